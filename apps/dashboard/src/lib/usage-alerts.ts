import type { UsageAlertMetric } from '@tributary/contracts';
import { formatBytes, formatCount } from './format';

/** Byte thresholds are entered in decimal gigabytes (10^9 bytes), as formatBytes shows them. */
export const BYTES_PER_GB = 1e9;

export const METRIC_LABELS: Record<UsageAlertMetric, string> = {
  viewerMinutes: 'Viewer-minutes',
  egressBytes: 'Egress',
  ingestBytes: 'Ingest',
};

/** A value of `metric` as the page shows it: a count of minutes, or bytes. */
export function formatMetric(metric: UsageAlertMetric, value: number): string {
  return metric === 'viewerMinutes' ? `${formatCount(value)} min` : formatBytes(value);
}

/** How far the period is towards the threshold, 0 to 100 (past it: 100). */
export function progressPercent(value: number, threshold: number): number {
  if (!(threshold > 0) || !Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, (value / threshold) * 100));
}
