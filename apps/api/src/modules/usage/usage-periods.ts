import type { UsageAlertMetric, UsageAlertPeriod } from '@tributary/contracts';

/**
 * The calendar arithmetic of usage alerts (issue 15), pure: UTC days and months, and when an increment
 * crosses a threshold. Usage is attributed to the api's clock at the moment a heartbeat is recorded (as
 * usage_hours is), so an hour, and therefore a day and a month, never straddle two periods.
 */
export interface Period {
  kind: UsageAlertPeriod;
  /** Inclusive. */
  start: Date;
  /** Exclusive: the next period's start. */
  end: Date;
}

export const HOUR_MS = 3_600_000;

/** The start of the UTC hour holding `now`. */
export function hourStart(now: number): Date {
  return new Date(now - (((now % HOUR_MS) + HOUR_MS) % HOUR_MS));
}

/** The UTC day or month holding `now` (months by the calendar: 28 to 31 days; Date.UTC rolls December into January). */
export function periodOf(kind: UsageAlertPeriod, now: number): Period {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (kind === 'day') {
    const day = d.getUTCDate();
    return { kind, start: new Date(Date.UTC(y, m, day)), end: new Date(Date.UTC(y, m, day + 1)) };
  }
  return { kind, start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

/**
 * Whether an increment from `before` to `after` reaches `threshold`: the one increment of a period for which
 * before < threshold <= after. Counters only grow, so over a period this holds for exactly one increment
 * when the total reaches the threshold, and for none otherwise.
 */
export function crosses(before: number, after: number, threshold: number): boolean {
  return before < threshold && threshold <= after;
}

/** Counters as stored: viewer seconds, bytes. */
export interface UsageCounters {
  viewerSeconds: number;
  egressBytes: number;
  ingestBytes: number;
}

/** A counter in the alert metric's unit (viewer-minutes from seconds). */
export function metricValue(metric: UsageAlertMetric, c: UsageCounters): number {
  if (metric === 'viewerMinutes') return c.viewerSeconds / 60;
  return metric === 'egressBytes' ? c.egressBytes : c.ingestBytes;
}
