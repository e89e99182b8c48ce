import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FailureThrottle } from './failure-throttle';

describe('FailureThrottle', () => {
  it('lets the first five failures through without delay, then spaces attempts one second apart (docs/reliability.md: broken-credentials)', () => {
    const clock = { t: 0 };
    const throttle = new FailureThrottle(5, () => clock.t);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(throttle.admit('198.51.100.1'), { admitted: true, delayMs: 0 });
      throttle.recordFailure('198.51.100.1');
    }
    assert.deepEqual(throttle.admit('198.51.100.1'), { admitted: true, delayMs: 0 });
    assert.deepEqual(throttle.admit('198.51.100.1'), { admitted: true, delayMs: 1000 });
    assert.deepEqual(throttle.admit('198.51.100.1'), { admitted: true, delayMs: 2000 });
    assert.deepEqual(
      throttle.admit('198.51.100.2'),
      { admitted: true, delayMs: 0 },
      'other IPs are not slowed',
    );
  });

  it('refuses outright when the queue of slots reaches ten seconds', () => {
    const throttle = new FailureThrottle(1, () => 0);
    throttle.recordFailure('ip');
    const delays: number[] = [];
    for (;;) {
      const a = throttle.admit('ip');
      if (!a.admitted) break;
      delays.push(a.delayMs);
    }
    assert.deepEqual(delays, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  });

  it('forgets an IP after a success or after ten quiet minutes', () => {
    const clock = { t: 0 };
    const throttle = new FailureThrottle(1, () => clock.t);
    throttle.recordFailure('a');
    throttle.recordFailure('b');
    throttle.admit('a');
    throttle.recordSuccess('a');
    assert.deepEqual(throttle.admit('a'), { admitted: true, delayMs: 0 });
    throttle.admit('b');
    clock.t = 10 * 60_000 + 1;
    assert.deepEqual(throttle.admit('b'), { admitted: true, delayMs: 0 });
  });

  it('never admits two attempts from a throttled IP less than a second apart (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        const clock = { t: 0 };
        const throttle = new FailureThrottle(5, () => clock.t);
        for (let i = 0; i < 5; i++) throttle.recordFailure('ip');
        const answeredAt: number[] = [];
        for (const gap of gaps) {
          clock.t += gap;
          const a = throttle.admit('ip');
          if (a.admitted) answeredAt.push(clock.t + a.delayMs);
          throttle.recordFailure('ip');
        }
        answeredAt.sort((x, y) => x - y);
        return answeredAt.every((t, i) => i === 0 || t - (answeredAt[i - 1] ?? 0) >= 1000);
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });
});
