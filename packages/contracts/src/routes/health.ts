import { z } from 'zod';
import { type RouteGroup, route } from './route';

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() });
export type Health = z.infer<typeof HealthSchema>;

/** Probes for load balancers and orchestrators; no credentials. */
export const healthRoutes = {
  liveness: route({
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness and version',
    tag: 'health',
    access: 'public',
    response: HealthSchema,
    status: 200,
  }),
  readiness: route({
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness (database reachable)',
    tag: 'health',
    access: 'public',
    response: HealthSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;
