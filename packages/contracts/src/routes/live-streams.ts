import type { z } from 'zod';
import { PublishCredentialInputSchema, PublishCredentialSchema } from '../publish-auth';
import {
  CreatedLiveStreamSchema,
  CreateLiveStreamInputSchema,
  ListQuerySchema,
  LiveStreamSchema,
  LiveStreamStatusSchema,
  listOf,
  StreamKeySchema,
  UpdateLiveStreamInputSchema,
} from '../resources';
import { type RouteGroup, route } from './route';

/** GET /v1/live-streams: a page, optionally only the streams in one status. */
export const LiveStreamListQuerySchema = ListQuerySchema.extend({
  status: LiveStreamStatusSchema.optional(),
});
export type LiveStreamListQuery = z.input<typeof LiveStreamListQuerySchema>;

const tag = 'live streams';

/** Live streams and their publish credentials (FMLE authentication, authmod=adobe). */
export const liveStreamRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/live-streams',
    summary: 'List live streams (filter by status)',
    tag,
    access: 'tenant:read',
    query: LiveStreamListQuerySchema,
    response: listOf(LiveStreamSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/live-streams',
    summary: 'Create a live stream; returns its stream key',
    tag,
    access: 'tenant:write',
    body: CreateLiveStreamInputSchema,
    response: CreatedLiveStreamSchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/live-streams/{id}',
    summary: 'Get a live stream with its ingest and playback URLs',
    tag,
    access: 'tenant:read',
    response: LiveStreamSchema,
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/live-streams/{id}',
    summary: 'Update a live stream',
    tag,
    access: 'tenant:write',
    body: UpdateLiveStreamInputSchema,
    response: LiveStreamSchema,
    status: 200,
  }),
  delete: route({
    method: 'DELETE',
    path: '/v1/live-streams/{id}',
    summary: 'Delete a live stream',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
  rotateKey: route({
    method: 'POST',
    path: '/v1/live-streams/{id}/rotate-key',
    summary: 'Replace the stream key (the old one stops working)',
    tag,
    access: 'tenant:write',
    response: StreamKeySchema,
    status: 200,
  }),
  revealKey: route({
    method: 'GET',
    path: '/v1/live-streams/{id}/stream-key',
    summary: 'Reveal the stream key (write scope)',
    tag,
    access: 'tenant:write',
    response: StreamKeySchema,
    status: 200,
  }),
  disable: route({
    method: 'POST',
    path: '/v1/live-streams/{id}/disable',
    summary: 'Refuse publishing with this stream',
    tag,
    access: 'tenant:write',
    response: LiveStreamSchema,
    status: 200,
  }),
  enable: route({
    method: 'POST',
    path: '/v1/live-streams/{id}/enable',
    summary: 'Allow publishing again',
    tag,
    access: 'tenant:write',
    response: LiveStreamSchema,
    status: 200,
  }),
  getPublishCredential: route({
    method: 'GET',
    path: '/v1/live-streams/{id}/publish-credentials',
    summary: "The stream's publish credential (username only; 404 when publishing needs none)",
    tag,
    access: 'tenant:read',
    response: PublishCredentialSchema,
    status: 200,
  }),
  setPublishCredential: route({
    method: 'PUT',
    path: '/v1/live-streams/{id}/publish-credentials',
    summary:
      'Require a username and password at publish (authmod=adobe: rtmp://user:pass@edge/<app>/<key>); ' +
      'usernames are unique across the platform; the password is never shown again',
    tag,
    access: 'tenant:write',
    body: PublishCredentialInputSchema,
    response: PublishCredentialSchema,
    status: 200,
  }),
  deletePublishCredential: route({
    method: 'DELETE',
    path: '/v1/live-streams/{id}/publish-credentials',
    summary: 'Publish with the stream key alone again',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
} as const satisfies RouteGroup;
