import { z } from 'zod';
import { isoDate } from './resources';

/**
 * Usage alerts (issue 15): a tenant asks to be told when its usage in the current UTC day or month
 * reaches a threshold. Each (alert, period) fires once: one `usage.threshold` webhook event whose data is
 * UsageThresholdEventData.
 */
export const USAGE_ALERT_METRICS = ['viewerMinutes', 'egressBytes', 'ingestBytes'] as const;
export const UsageAlertMetricSchema = z.enum(USAGE_ALERT_METRICS);
export type UsageAlertMetric = z.infer<typeof UsageAlertMetricSchema>;

/** Calendar periods in UTC: a day from 00:00, a month from the 1st at 00:00. */
export const USAGE_ALERT_PERIODS = ['day', 'month'] as const;
export const UsageAlertPeriodSchema = z.enum(USAGE_ALERT_PERIODS);
export type UsageAlertPeriod = z.infer<typeof UsageAlertPeriodSchema>;

/** Alerts per tenant (422 quota_exceeded past it): every heartbeat probes them, so they stay few. */
export const MAX_USAGE_ALERTS_PER_TENANT = 25;
/**
 * The largest threshold: 10^15 (a petabyte, or 10^15 viewer-minutes), below 2^53 so every integer up to it
 * is exact in a double, the type counters are compared in.
 */
export const MAX_USAGE_ALERT_THRESHOLD = 1e15;

const threshold = z.number().positive().max(MAX_USAGE_ALERT_THRESHOLD);

export const UsageAlertSchema = z.object({
  id: z.string(),
  metric: UsageAlertMetricSchema,
  /** In the metric's unit: minutes for viewerMinutes, bytes for egressBytes and ingestBytes. */
  threshold: z.number(),
  period: UsageAlertPeriodSchema,
  enabled: z.boolean(),
  /** The current period: its bounds, the usage so far, and when the alert fired in it (null: not yet). */
  current: z.object({
    periodStart: isoDate,
    periodEnd: isoDate,
    value: z.number(),
    firedAt: isoDate.nullable(),
  }),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type UsageAlert = z.infer<typeof UsageAlertSchema>;

export const CreateUsageAlertInputSchema = z.strictObject({
  metric: UsageAlertMetricSchema,
  threshold,
  period: UsageAlertPeriodSchema,
  enabled: z.boolean().default(true),
});
export type CreateUsageAlertInput = z.input<typeof CreateUsageAlertInputSchema>;

/** Metric and period are the alert's identity (what fired in a period stays fired): create another instead. */
export const UpdateUsageAlertInputSchema = z.strictObject({
  threshold: threshold.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateUsageAlertInput = z.input<typeof UpdateUsageAlertInputSchema>;

/** `data` of a `usage.threshold` webhook event (its subject is the alert). */
export const UsageThresholdEventDataSchema = z.object({
  alertId: z.string(),
  metric: UsageAlertMetricSchema,
  threshold: z.number(),
  period: UsageAlertPeriodSchema,
  periodStart: isoDate,
  periodEnd: isoDate,
  /** The period's usage when the threshold was reached, in the metric's unit. */
  value: z.number(),
});
export type UsageThresholdEventData = z.infer<typeof UsageThresholdEventDataSchema>;
