import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isoToLocalInput, localInputToIso } from './schedule';

describe('schedule conversions', () => {
  it('shows an instant as wall-clock time in the browser zone', () => {
    // Paris in summer is UTC+2: getTimezoneOffset() = -120.
    assert.equal(isoToLocalInput('2025-06-01T12:30:00Z', -120), '2025-06-01T14:30');
    assert.equal(isoToLocalInput('2025-06-01T12:30:00Z', 300), '2025-06-01T07:30');
    assert.equal(isoToLocalInput(null, 0), '');
  });
  it('turns wall-clock input back into the instant', () => {
    assert.equal(localInputToIso('2025-06-01T14:30', -120), '2025-06-01T12:30:00.000Z');
    assert.equal(localInputToIso('', 0), null);
    assert.equal(localInputToIso('2025-13-45T99:99', 0), null);
  });
  it('round-trips every minute-precision instant in any zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }).map((minutes) => new Date(minutes * 60_000)),
        fc.integer({ min: -14 * 60, max: 12 * 60 }),
        (at, offset) => {
          const local = isoToLocalInput(at.toISOString(), offset);
          assert.equal(localInputToIso(local, offset), at.toISOString());
        },
      ),
      { seed: 5 },
    );
  });
});
