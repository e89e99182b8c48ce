import { z } from 'zod';
import {
  CreatedSigningKeySchema,
  CreatePlaybackTokenInputSchema,
  CreateSigningKeyInputSchema,
  ListQuerySchema,
  listOf,
  PlaybackTokenSchema,
  SigningKeySchema,
} from '../resources';
import { type RouteGroup, route } from './route';

const tag = 'playback';

/**
 * GET /live/{playbackId}.smil: the token a signed stream needs, and the viewer's preferred region.
 * Other parameters are ignored, not refused: players add their own (cache busters) to what they fetch.
 */
export const SmilQuerySchema = z.object({
  /** A playback token for a signed stream: carried to the edge on the video src, verified there. */
  token: z.string().max(4096).optional(),
  /** Prefer edges of this region (edges declare one when registered). */
  region: z.string().max(64).optional(),
});
export type SmilQuery = z.input<typeof SmilQuerySchema>;

export const playbackTokenRoutes = {
  create: route({
    method: 'POST',
    path: '/v1/playback-tokens',
    summary: 'Mint a signed playback token (Ed25519 JWT)',
    tag,
    access: 'tenant:write',
    body: CreatePlaybackTokenInputSchema,
    response: PlaybackTokenSchema,
    status: 201,
  }),
} as const satisfies RouteGroup;

export const signingKeyRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/signing-keys',
    summary: "List the tenant's signing keys (public halves)",
    tag,
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(SigningKeySchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/signing-keys',
    summary: 'Create a signing key; the private key is returned once and not stored',
    tag,
    access: 'tenant:write',
    body: CreateSigningKeyInputSchema,
    response: CreatedSigningKeySchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/signing-keys/{id}',
    summary: 'Get a signing key',
    tag,
    access: 'tenant:read',
    response: SigningKeySchema,
    status: 200,
  }),
  revoke: route({
    method: 'DELETE',
    path: '/v1/signing-keys/{id}',
    summary: 'Revoke a signing key (edges stop accepting its tokens)',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
} as const satisfies RouteGroup;

/**
 * What players fetch before they connect. The api answers the same path as every edge
 * (PlaybackHttpPaths.smil), so a player may be pointed at either.
 */
export const playbackRoutes = {
  smil: route({
    method: 'GET',
    path: '/live/{playbackId}.smil',
    summary: 'SMIL redirect to the least-loaded healthy edge for a live stream',
    tag,
    access: 'public',
    query: SmilQuerySchema,
    responseBody: 'xml',
    status: 200,
  }),
} as const satisfies RouteGroup;
