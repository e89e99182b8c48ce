import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTES_PER_GB, formatMetric, progressPercent } from './usage-alerts';

test('progress is the share of the threshold reached, kept within 0 to 100', () => {
  assert.equal(progressPercent(0, 2000), 0);
  assert.equal(progressPercent(1500, 2000), 75);
  assert.equal(progressPercent(2500, 2000), 100, 'past the threshold: full');
  assert.equal(progressPercent(5, 0), 0, 'no threshold: nothing to show');
  assert.equal(progressPercent(Number.NaN, 10), 0);
});

test('viewer-minutes show as minutes, byte metrics in decimal units (thresholds are typed in GB)', () => {
  assert.equal(formatMetric('viewerMinutes', 1234), '1,234 min');
  assert.equal(formatMetric('egressBytes', 0.5 * BYTES_PER_GB), '500 MB');
  assert.equal(formatMetric('ingestBytes', 2000), '2.0 KB');
});
