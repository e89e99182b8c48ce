import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RateLimitedLogger } from './rate-limited-logger';
import type { RtmpLogger } from './rtmp-logger';

function recording(): { logger: RtmpLogger; lines: Array<{ obj: object; msg?: string }> } {
  const lines: Array<{ obj: object; msg?: string }> = [];
  const write = (obj: object, msg?: string) => {
    lines.push({ obj, msg });
  };
  const logger: RtmpLogger = { debug: write, info: write, warn: write, error: write, child: () => logger };
  return { logger, lines };
}

describe('RateLimitedLogger', () => {
  it('writes at most burst + perSecond × elapsed lines, whatever the calls, and counts the rest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 300 }),
        (burst, perSecond, gaps) => {
          const { logger, lines } = recording();
          let now = 0;
          const limited = RateLimitedLogger.wrap(logger, { burst, perSecond }, () => now);
          const child = limited.child({ x: 1 });
          for (const [i, gap] of gaps.entries()) {
            now += gap;
            (i % 2 === 0 ? limited : child).info({ i }, 'line');
          }
          assert.ok(lines.length <= burst + (now / 1000) * perSecond, `${lines.length} lines`);
          const reported = lines.reduce(
            (n, l) => n + ((l.obj as { logSuppressed?: number }).logSuppressed ?? 0),
            0,
          );
          assert.equal(reported + limited.suppressed + lines.length, gaps.length);
        },
      ),
      { seed: 0x10c, numRuns: 500 },
    );
  });

  it('always() writes past the budget and reports what was left out', () => {
    const { logger, lines } = recording();
    const limited = RateLimitedLogger.wrap(logger, { burst: 2, perSecond: 1 }, () => 0);
    for (let i = 0; i < 10; i++) limited.warn({}, 'flood');
    limited.always('info', { reason: 'x' }, 'closed');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[2], { obj: { reason: 'x', logSuppressed: 8 }, msg: 'closed' });
  });
});
