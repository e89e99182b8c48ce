import {
  AuthorizePublishRequestSchema,
  AuthorizePublishResponseSchema,
  ChangesQuerySchema,
  ChangesResponseSchema,
  EdgeAssetSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  LiveStreamChecksRequestSchema,
  LiveStreamChecksResponseSchema,
  PlaybackKeySchema,
  PlaybackKeysQuerySchema,
  PlaybackKeysResponseSchema,
  RecordingUploadQuerySchema,
  RecordingUploadResponseSchema,
  SessionEndRequestSchema,
  SessionStartRequestSchema,
  SessionStartResponseSchema,
  SessionStatsRequestSchema,
  StreamOriginResponseSchema,
} from '../edge-api';
import {
  PublishAuthChallengeRequestSchema,
  PublishAuthChallengeResponseSchema,
  PublishAuthVerifyRequestSchema,
  PublishAuthVerifyResponseSchema,
} from '../publish-auth';
import { fillPath, type RouteGroup, route } from './route';

const tag = 'edge contract';
const access = 'edge';

/**
 * What edges call (contracts/edge-api.ts has the schemas and their rules), each with
 * `Authorization: Bearer <edge credential>`.
 */
export const edgeApiRoutes = {
  authorizePublish: route({
    method: 'POST',
    path: '/v1/edge/publish-authorizations',
    summary: 'May this stream key publish?',
    tag,
    access,
    body: AuthorizePublishRequestSchema,
    response: AuthorizePublishResponseSchema,
    status: 200,
  }),
  startSession: route({
    method: 'POST',
    path: '/v1/edge/sessions',
    summary: 'An ingest session started',
    tag,
    access,
    body: SessionStartRequestSchema,
    response: SessionStartResponseSchema,
    status: 201,
  }),
  sessionStats: route({
    method: 'POST',
    path: '/v1/edge/sessions/{sessionId}/stats',
    summary: 'Periodic session statistics (deltas)',
    tag,
    access,
    body: SessionStatsRequestSchema,
    status: 204,
  }),
  endSession: route({
    method: 'POST',
    path: '/v1/edge/sessions/{sessionId}/end',
    summary: 'An ingest session ended',
    tag,
    access,
    body: SessionEndRequestSchema,
    status: 204,
  }),
  heartbeat: route({
    method: 'POST',
    path: '/v1/edge/heartbeat',
    summary: 'Edge liveness and load',
    tag,
    access,
    body: HeartbeatRequestSchema,
    response: HeartbeatResponseSchema,
    status: 200,
  }),
  playbackKeys: route({
    method: 'GET',
    path: '/v1/edge/playback-keys',
    summary: 'Public keys that verify playback tokens, one page at a time (kid order)',
    tag,
    access,
    query: PlaybackKeysQuerySchema,
    response: PlaybackKeysResponseSchema,
    status: 200,
  }),
  playbackKey: route({
    method: 'GET',
    path: '/v1/edge/playback-keys/{kid}',
    summary: 'One playback verification key by kid (404: unknown or revoked)',
    tag,
    access,
    response: PlaybackKeySchema,
    status: 200,
  }),
  /** Where a playback id is live in the fleet, and a relay token to pull it (issue 11). */
  streamOrigin: route({
    method: 'GET',
    path: '/v1/edge/streams/{playbackId}/origin',
    summary: 'Where a playback id is live in the fleet, and a relay token to pull it with',
    tag,
    access,
    response: StreamOriginResponseSchema,
    status: 200,
  }),
  changes: route({
    method: 'GET',
    path: '/v1/edge/changes',
    summary: 'The control feed: revocations and key changes after a cursor (long-poll)',
    tag,
    access,
    query: ChangesQuerySchema,
    response: ChangesResponseSchema,
    status: 200,
  }),
  liveStreamChecks: route({
    method: 'POST',
    path: '/v1/edge/live-stream-checks',
    summary: 'Which of these live streams may no longer publish (after a feed resync)',
    tag,
    access,
    body: LiveStreamChecksRequestSchema,
    response: LiveStreamChecksResponseSchema,
    status: 200,
  }),
  /** An on-demand asset by its playback id (issue 12): what an edge needs to serve it. */
  asset: route({
    method: 'GET',
    path: '/v1/edge/assets/{playbackId}',
    summary: 'An on-demand asset by playback id (only ready ones play)',
    tag,
    access,
    response: EdgeAssetSchema,
    status: 200,
  }),
  /**
   * One `Range: bytes=a-b` (at most EDGE_ASSET_MAX_RANGE_BYTES): 206 with those bytes of a ready
   * asset's file. The api is the storage gateway, so every edge plays every asset.
   */
  assetSource: route({
    method: 'GET',
    path: '/v1/edge/assets/{playbackId}/source',
    summary: "A ready asset's file bytes by one Range (206; 416 for a bad range)",
    tag,
    access,
    responseBody: 'binary',
    status: 206,
  }),
  /** A finished (or failed) recording of a live session becomes an asset (issue 12); body: the FLV file. */
  uploadRecording: route({
    method: 'POST',
    path: '/v1/edge/recordings',
    summary: "A live session's recording (FLV body) becomes an asset of the stream's tenant",
    tag,
    access,
    query: RecordingUploadQuerySchema,
    requestBody: 'binary',
    response: RecordingUploadResponseSchema,
    status: 201,
  }),
  /** A salt, challenge and signed opaque for an FMLE (`authmod=adobe`) publisher's user (publish-auth.ts). */
  publishAuthChallenge: route({
    method: 'POST',
    path: '/v1/edge/publish-auth/challenge',
    summary: 'A salt, challenge and signed short-lived opaque for an authmod=adobe user',
    tag,
    access,
    body: PublishAuthChallengeRequestSchema,
    response: PublishAuthChallengeResponseSchema,
    status: 200,
  }),
  /** Checks an `authmod=adobe` response against its opaque (signature, expiry, single use). */
  publishAuthVerify: route({
    method: 'POST',
    path: '/v1/edge/publish-auth/verify',
    summary: 'Check an authmod=adobe response once (signature, expiry, single use across the fleet)',
    tag,
    access,
    body: PublishAuthVerifyRequestSchema,
    response: PublishAuthVerifyResponseSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;

const r = edgeApiRoutes;

/** The edge contract's paths, filled (each parameter URL-encoded); the edge's api client calls these. */
export const EdgeApiPaths = {
  authorizePublish: r.authorizePublish.path,
  sessions: r.startSession.path,
  sessionStats: (sessionId: string) => fillPath(r.sessionStats.path, { sessionId }),
  sessionEnd: (sessionId: string) => fillPath(r.endSession.path, { sessionId }),
  heartbeat: r.heartbeat.path,
  playbackKeys: r.playbackKeys.path,
  playbackKey: (kid: string) => fillPath(r.playbackKey.path, { kid }),
  changes: r.changes.path,
  liveStreamChecks: r.liveStreamChecks.path,
  streamOrigin: (playbackId: string) => fillPath(r.streamOrigin.path, { playbackId }),
  asset: (playbackId: string) => fillPath(r.asset.path, { playbackId }),
  assetSource: (playbackId: string) => fillPath(r.assetSource.path, { playbackId }),
  recordings: r.uploadRecording.path,
  publishAuthChallenge: r.publishAuthChallenge.path,
  publishAuthVerify: r.publishAuthVerify.path,
} as const;
