import {
  CreateLiveEventInputSchema,
  ListQuerySchema,
  LiveEventSchema,
  LiveEventTransitionInputSchema,
  listOf,
  UpdateLiveEventInputSchema,
} from '../resources';
import { type RouteGroup, route } from './route';

const tag = 'live events';

export const liveEventRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/live-events',
    summary: 'List live events',
    tag,
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(LiveEventSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/live-events',
    summary: 'Schedule a live event on a live stream',
    tag,
    access: 'tenant:write',
    body: CreateLiveEventInputSchema,
    response: LiveEventSchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/live-events/{id}',
    summary: 'Get a live event',
    tag,
    access: 'tenant:read',
    response: LiveEventSchema,
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/live-events/{id}',
    summary: 'Update a live event',
    tag,
    access: 'tenant:write',
    body: UpdateLiveEventInputSchema,
    response: LiveEventSchema,
    status: 200,
  }),
  transition: route({
    method: 'POST',
    path: '/v1/live-events/{id}/transitions',
    summary: 'Move the event: scheduled→live→ended, scheduled→cancelled',
    tag,
    access: 'tenant:write',
    body: LiveEventTransitionInputSchema,
    response: LiveEventSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;
