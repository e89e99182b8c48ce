import { z } from 'zod';
import { SafeNameSchema } from '../names';
import { IngestSessionSchema, ListQuerySchema, listOf } from '../resources';
import { type RouteGroup, route } from './route';

/** GET /v1/sessions: a page, optionally one live stream's, optionally only the active (or ended) ones. */
export const SessionListQuerySchema = ListQuerySchema.extend({
  // An id (names.ts alphabet): a NUL sent on to Postgres failed the request with a 500.
  liveStreamId: SafeNameSchema.optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export type SessionListQuery = z.input<typeof SessionListQuerySchema>;

const tag = 'sessions';

export const sessionRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/sessions',
    summary: 'List ingest sessions (filter by liveStreamId, active)',
    tag,
    access: 'tenant:read',
    query: SessionListQuerySchema,
    response: listOf(IngestSessionSchema),
    status: 200,
  }),
  get: route({
    method: 'GET',
    path: '/v1/sessions/{id}',
    summary: 'Get an ingest session',
    tag,
    access: 'tenant:read',
    response: IngestSessionSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;
