import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatBitrate, formatBytes, formatCount, formatDateTime, formatRelative } from './format';

describe('formatBytes', () => {
  it('uses decimal units with one decimal below 100', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1000), '1.0 KB');
    assert.equal(formatBytes(1_500_000), '1.5 MB');
    assert.equal(formatBytes(250_000_000_000), '250 GB');
  });
  it('shows a dash for values that are not byte counts', () => {
    assert.equal(formatBytes(-1), '—');
    assert.equal(formatBytes(Number.NaN), '—');
  });
  it('always yields a number and a known unit for any non-negative count', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e21, noNaN: true }), (n) => {
        assert.match(formatBytes(n), /^\d+(\.\d)? (B|KB|MB|GB|TB|PB)$/);
      }),
      { seed: 6 },
    );
  });
});

describe('formatBitrate and formatCount', () => {
  it('switches to Mbps at 1000 kbps', () => {
    assert.equal(formatBitrate(null), '—');
    assert.equal(formatBitrate(850.4), '850 kbps');
    assert.equal(formatBitrate(4500), '4.5 Mbps');
  });
  it('abbreviates large viewer counts', () => {
    assert.equal(formatCount(42), '42');
    assert.equal(formatCount(9999), '9,999');
    assert.equal(formatCount(12_400), '12k');
    assert.equal(formatCount(3_200_000), '3.2M');
  });
});

describe('formatRelative', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('describes past and future instants in the largest whole unit', () => {
    assert.equal(formatRelative(null, now), 'never');
    assert.equal(formatRelative('2025-06-01T11:59:58Z', now), 'just now');
    assert.equal(formatRelative('2025-06-01T11:59:30Z', now), '30 s ago');
    assert.equal(formatRelative('2025-06-01T11:57:00Z', now), '3 min ago');
    assert.equal(formatRelative('2025-06-01T14:00:00Z', now), 'in 2 h');
    assert.equal(formatRelative('2025-05-29T12:00:00Z', now), '3 d ago');
  });
  it('falls back to the date beyond a month and to a dash for garbage', () => {
    assert.equal(formatRelative('2025-01-02T00:00:00Z', now), '2025-01-02');
    assert.equal(formatRelative('not a date', now), '—');
  });
});

describe('formatDateTime', () => {
  it('renders the same UTC text everywhere', () => {
    assert.equal(formatDateTime('2025-06-01T12:34:56.789Z'), '2025-06-01 12:34 UTC');
    assert.equal(formatDateTime(null), '—');
  });
});
