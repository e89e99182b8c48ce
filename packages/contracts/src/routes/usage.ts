import { UsageQuerySchema, UsageResponseSchema } from '../resources';
import { type RouteGroup, route } from './route';

/** GET /v1/usage's query, unknown parameters refused. */
export const UsageRouteQuerySchema = UsageQuerySchema.strict();

export const usageRoutes = {
  get: route({
    method: 'GET',
    path: '/v1/usage',
    summary: 'Viewer-minutes, egress and ingest bytes per hour or day',
    tag: 'usage',
    access: 'tenant:read',
    query: UsageRouteQuerySchema,
    response: UsageResponseSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;
