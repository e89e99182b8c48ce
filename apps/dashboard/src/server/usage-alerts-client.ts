import 'server-only';
import type { CreateUsageAlertInput, UpdateUsageAlertInput } from '@tributary/contracts';
import { type Caller, LIST_PAGE_SIZE, run, sdkFor } from './api-client';

/**
 * Usage alerts (packages/contracts routes/usage-alerts.ts) through the SDK, as api-client's calls are: the
 * same caller, headers, answer validation and errors (ApiError).
 */
export const usageAlertsApi = {
  /** One page of the tenant's alerts, newest first, each with its current period's usage. */
  list: (c: Caller, cursor?: string) =>
    run(() => sdkFor(c).usageAlerts.list({ query: { limit: LIST_PAGE_SIZE, cursor } })),
  create: (c: Caller, body: CreateUsageAlertInput) => run(() => sdkFor(c).usageAlerts.create({ body })),
  update: (c: Caller, id: string, body: UpdateUsageAlertInput) =>
    run(() => sdkFor(c).usageAlerts.update({ id, body })),
  remove: (c: Caller, id: string) => run(() => sdkFor(c).usageAlerts.delete({ id })),
};
