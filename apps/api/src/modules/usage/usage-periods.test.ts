import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crosses, hourStart, metricValue, periodOf } from './usage-periods';

const at = (iso: string) => Date.parse(iso);
const iso = (d: Date) => d.toISOString();

test('a UTC day runs from 00:00 to the next 00:00; the last millisecond belongs to it, midnight to the next', () => {
  const p = periodOf('day', at('2026-12-07T23:59:59.999Z'));
  assert.equal(iso(p.start), '2026-12-07T00:00:00.000Z');
  assert.equal(iso(p.end), '2026-12-08T00:00:00.000Z');
  assert.equal(iso(periodOf('day', at('2026-12-08T00:00:00.000Z')).start), '2026-12-08T00:00:00.000Z');
  // Another time zone's evening is already the next UTC day.
  assert.equal(iso(periodOf('day', at('2026-12-07T20:30:00-05:00')).start), '2026-12-08T00:00:00.000Z');
});

test('months have their calendar lengths in UTC: 31, 30, 28 and 29 (leap) days; December rolls into January', () => {
  const days = (start: string) => {
    const p = periodOf('month', at(start));
    return (p.end.getTime() - p.start.getTime()) / 86_400_000;
  };
  assert.equal(days('2026-01-15T12:00:00Z'), 31);
  assert.equal(days('2026-04-30T23:59:59.999Z'), 30);
  assert.equal(days('2026-02-28T23:59:59.999Z'), 28);
  assert.equal(days('2028-02-29T10:00:00Z'), 29);
  assert.equal(days('2100-02-10T00:00:00Z'), 28, 'a century is not a leap year');
  assert.equal(days('2000-02-10T00:00:00Z'), 29, 'but every 400th year is');
  const dec = periodOf('month', at('2026-12-31T23:59:59.999Z'));
  assert.equal(iso(dec.start), '2026-12-01T00:00:00.000Z');
  assert.equal(iso(dec.end), '2027-01-01T00:00:00.000Z');
  assert.equal(iso(periodOf('month', at('2027-01-01T00:00:00.000Z')).start), '2027-01-01T00:00:00.000Z');
});

test('property: every instant lies in exactly its day and month, each the union of whole UTC hours', () => {
  fc.assert(
    fc.property(fc.integer({ min: at('1970-01-01T00:00:00Z'), max: at('2200-01-01T00:00:00Z') }), (now) => {
      const hour = hourStart(now).getTime();
      for (const kind of ['day', 'month'] as const) {
        const p = periodOf(kind, now);
        assert.ok(p.start.getTime() <= now && now < p.end.getTime());
        // The hour the usage is recorded in never straddles a period boundary.
        assert.ok(p.start.getTime() <= hour && hour + 3_600_000 <= p.end.getTime());
        assert.equal(p.start.getTime() % 3_600_000, 0);
        // The next period starts where this one ends.
        assert.equal(periodOf(kind, p.end.getTime()).start.getTime(), p.end.getTime());
        assert.equal(periodOf(kind, p.end.getTime() - 1).start.getTime(), p.start.getTime());
      }
    }),
    { numRuns: 2000, seed: 15 },
  );
});

test('an increment crosses when it goes from below the threshold to at least it', () => {
  assert.equal(crosses(0, 99, 100), false);
  assert.equal(crosses(99, 100, 100), true, 'reaching it exactly counts');
  assert.equal(crosses(100, 150, 100), false, 'already reached before: not again');
  assert.equal(crosses(0, 1e12, 100), true, 'one large jump');
  assert.equal(crosses(5, 5, 5), false, 'no growth, no crossing');
});

test('property: over a period of growing counters, exactly one increment crosses iff the total reaches the threshold', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 200 }),
      fc.double({ min: Number.MIN_VALUE, max: 5e7, noNaN: true }),
      (deltas, threshold) => {
        let total = 0;
        let crossings = 0;
        for (const d of deltas) {
          const before = total;
          total += d;
          if (crosses(before, total, threshold)) crossings++;
        }
        assert.equal(crossings, total >= threshold ? 1 : 0);
      },
    ),
    { numRuns: 1000, seed: 15 },
  );
});

test('viewer-minutes are counted from viewer seconds; bytes as they are', () => {
  const c = { viewerSeconds: 90, egressBytes: 2048, ingestBytes: 512 };
  assert.equal(metricValue('viewerMinutes', c), 1.5);
  assert.equal(metricValue('egressBytes', c), 2048);
  assert.equal(metricValue('ingestBytes', c), 512);
});
