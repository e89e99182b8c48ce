import { ListQuerySchema, listOf } from '../resources';
import { CreateUsageAlertInputSchema, UpdateUsageAlertInputSchema, UsageAlertSchema } from '../usage-alerts';
import { type RouteGroup, route } from './route';

const tag = 'usage';

/** Usage alerts: thresholds on the current UTC day's or month's usage, each firing `usage.threshold` once a period. */
export const usageAlertRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/usage-alerts',
    summary: "List the tenant's usage alerts with the current period's usage against each threshold",
    tag,
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(UsageAlertSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/usage-alerts',
    summary:
      'Create a usage alert (metric, threshold, UTC day or month); usage.threshold fires once a period, at once if already reached',
    tag,
    access: 'tenant:write',
    body: CreateUsageAlertInputSchema,
    response: UsageAlertSchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/usage-alerts/{id}',
    summary: "Get a usage alert with the current period's usage",
    tag,
    access: 'tenant:read',
    response: UsageAlertSchema,
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/usage-alerts/{id}',
    summary: 'Change the threshold or enable/disable; one already reached fires at once (once a period)',
    tag,
    access: 'tenant:write',
    body: UpdateUsageAlertInputSchema,
    response: UsageAlertSchema,
    status: 200,
  }),
  delete: route({
    method: 'DELETE',
    path: '/v1/usage-alerts/{id}',
    summary: 'Delete a usage alert',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
} satisfies RouteGroup;
