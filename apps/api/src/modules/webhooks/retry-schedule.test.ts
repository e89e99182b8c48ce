import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nextAttemptAt, retryDelayMs } from './retry-schedule';

const defaults = { baseMs: 10_000, maxMs: 3_600_000, windowMs: 24 * 3_600_000 };

test('delays double from the base up to the cap; a receiver down for 24 h is still retried until then', () => {
  const mid = () => 0.5;
  assert.equal(retryDelayMs(1, defaults, mid), 10_000);
  assert.equal(retryDelayMs(2, defaults, mid), 20_000);
  assert.equal(retryDelayMs(20, defaults, mid), 3_600_000);
  // Simulate an endpoint that always fails: attempts continue past 24 h after the event, then stop.
  let now = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    const next = nextAttemptAt(0, attempts, now, defaults, mid);
    if (next === undefined) break;
    now = next;
  }
  assert.ok(now >= defaults.windowMs, `last attempt at ${now} ms`);
  assert.ok(now < defaults.windowMs + defaults.maxMs * 1.2 + 1);
  assert.ok(attempts > 20 && attempts < 60, `${attempts} attempts`);
});

test('property: a delay is within ±20 % of min(cap, base·2^(n−1)) and never below 1 ms', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 10, max: 3_600_000 }),
      fc.integer({ min: 10, max: 86_400_000 }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (n, base, max, r) => {
        const d = retryDelayMs(n, { baseMs: base, maxMs: max, windowMs: 1 }, () => r);
        const ideal = Math.min(max, base * 2 ** Math.min(Math.max(n - 1, 0), 40));
        assert.ok(
          d >= 1 && d >= Math.floor(ideal * 0.8) && d <= Math.ceil(ideal * 1.2),
          `${n} ${base} ${max} ${d}`,
        );
      },
    ),
  );
});
