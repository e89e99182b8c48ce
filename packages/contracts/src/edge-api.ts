import { z } from 'zod';
import { RenditionLiveStatsSchema, RenditionSchema, RenditionSourceSchema } from './renditions';

/**
 * The contract between edges and the api. Every call carries
 * `Authorization: Bearer <edge credential>` (issued when an operator registers
 * the edge). Paths are relative to the api's base URL; they are declared in the route table
 * (routes/edge-api.ts, which also exports EdgeApiPaths).
 */

export const PlaybackPolicySchema = z.enum(['public', 'signed']);
export type PlaybackPolicy = z.infer<typeof PlaybackPolicySchema>;

export const AuthorizePublishRequestSchema = z.object({
  streamKey: z.string().min(1).max(256),
  app: z.string().max(64),
  clientIp: z.string().max(64),
});
export type AuthorizePublishRequest = z.infer<typeof AuthorizePublishRequestSchema>;

export const PublishRefusalReasonSchema = z.enum([
  'unknown_key',
  'stream_disabled',
  'tenant_suspended',
  'live_stream_limit_reached',
  /** `<stream key>_<name>` where the key is right but the stream's encoder ladder has no such rendition. */
  'unknown_rendition',
]);
export type PublishRefusalReason = z.infer<typeof PublishRefusalReasonSchema>;

export const AuthorizePublishResponseSchema = z.discriminatedUnion('allowed', [
  z.object({
    allowed: z.literal(true),
    tenantId: z.string(),
    liveStreamId: z.string(),
    playbackId: z.string(),
    playbackPolicy: PlaybackPolicySchema,
    record: z.boolean(),
    /** Title of the live event attached to the stream, if any (shown to players in onMetaData). */
    eventTitle: z.string().nullable(),
    /** Tenant's viewer limit for this stream (null: unlimited). */
    maxViewers: z.number().int().nullable(),
    /** How long the edge may cache this answer, in seconds. */
    cacheTtlSeconds: z.number().int().min(0),
    /**
     * The stream has publish credentials (publish-auth.ts): only a connection that authenticated with
     * `authmod=adobe` as this stream's user may publish it. Absent (older apis): false.
     */
    publishCredentials: z.boolean().optional(),
    /**
     * Dynamic streaming (renditions.ts): the stream's ladder, and the rendition this name publishes
     * (`<stream key>_<rendition>`, only for an 'encoder' ladder). Absent (older apis): no ladder.
     */
    renditionSource: RenditionSourceSchema.optional(),
    renditions: z.array(RenditionSchema).max(16).optional(),
    rendition: z.string().max(16).optional(),
  }),
  z.object({
    allowed: z.literal(false),
    reason: PublishRefusalReasonSchema,
    message: z.string(),
    cacheTtlSeconds: z.number().int().min(0),
  }),
]);
export type AuthorizePublishResponse = z.infer<typeof AuthorizePublishResponseSchema>;

export const VideoTrackInfoSchema = z.object({
  codec: z.string().max(32),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  frameRate: z.number().nullable(),
});
export const AudioTrackInfoSchema = z.object({
  codec: z.string().max(32),
  sampleRate: z.number().int().nullable(),
  channels: z.number().int().nullable(),
});

export const SessionStartRequestSchema = z.object({
  liveStreamId: z.string(),
  clientIp: z.string().max(64),
  video: VideoTrackInfoSchema.nullable(),
  audio: AudioTrackInfoSchema.nullable(),
});
export type SessionStartRequest = z.infer<typeof SessionStartRequestSchema>;
export const SessionStartResponseSchema = z.object({ sessionId: z.string() });

/** Periodic report; byte and viewer-second figures are deltas since the previous report. */
export const SessionStatsRequestSchema = z.object({
  viewers: z.number().int().min(0),
  video: VideoTrackInfoSchema.nullable().optional(),
  audio: AudioTrackInfoSchema.nullable().optional(),
  bitrateKbps: z.number().min(0),
  /** A ladder's renditions live on the reporting edge (dynamic streaming), with their own bitrates. */
  renditions: z.array(RenditionLiveStatsSchema).max(16).optional(),
  bytesInDelta: z.number().int().min(0),
  bytesOutDelta: z.number().int().min(0),
  viewerSecondsDelta: z.number().min(0),
});
export type SessionStatsRequest = z.infer<typeof SessionStatsRequestSchema>;

export const SessionEndRequestSchema = z.object({
  reason: z.string().max(200),
  bytesInDelta: z.number().int().min(0),
  bytesOutDelta: z.number().int().min(0),
  viewerSecondsDelta: z.number().min(0),
});
export type SessionEndRequest = z.infer<typeof SessionEndRequestSchema>;

export const HeartbeatRequestSchema = z.object({
  version: z.string().max(64),
  connections: z.number().int().min(0),
  publishers: z.number().int().min(0),
  viewers: z.number().int().min(0),
  bytesInTotal: z.number().int().min(0),
  bytesOutTotal: z.number().int().min(0),
  /**
   * The RTMP application URL other edges pull this edge's streams from (rtmp://<pod address>:<port>/<app>):
   * an address inside the fleet, which may differ from the public rtmpUrl viewers are given. Omitted:
   * the edge's registered rtmpUrl.
   */
  internalRtmpUrl: z.string().url().max(512).optional(),
  /**
   * The public RTMPS application URL (rtmps://host[:port]/<app>) encoders reach this edge at over TLS
   * (EDGE_PUBLIC_RTMPS_URL). Omitted: the edge serves no RTMPS, or does not say where (none is shown).
   */
  rtmpsUrl: z.string().url().startsWith('rtmps://').max(512).optional(),
  /** EDGE_MAX_VIEWERS: viewers across all streams past which new connections are redirected (null: none). */
  maxViewers: z.number().int().min(1).nullable().optional(),
  /** Egress in bits per second over the last interval (load balancing by bandwidth). */
  egressBps: z.number().min(0).optional(),
  /** True once the edge is shutting down: it takes no new viewers or publishers and is never chosen. */
  draining: z.boolean().optional(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

/** One healthy edge as the fleet sees it: where to send players (302, SMIL) and how loaded it is. */
export const FleetEdgeSchema = z.object({
  edgeId: z.string(),
  name: z.string(),
  region: z.string().nullable(),
  /** Public RTMP application URL (rtmp://host[:port]/<app>), the `ex.redirect` and SMIL base. */
  rtmpUrl: z.string(),
  /** Public HTTP base (HLS, HTTP-FLV, SMIL). */
  httpUrl: z.string().nullable(),
  /** Public RTMPS application URL (HeartbeatRequest.rtmpsUrl), or null/absent: no RTMPS there. */
  rtmpsUrl: z.string().nullable().optional(),
  connections: z.number().int().min(0),
  viewers: z.number().int().min(0),
  /** The edge's own viewer cap (EDGE_MAX_VIEWERS), or null. */
  maxViewers: z.number().int().nullable(),
  /** Connections it is sized for (the operator's Edge.capacity). */
  capacity: z.number().int().min(1),
  egressBps: z.number().min(0),
});
export type FleetEdge = z.infer<typeof FleetEdgeSchema>;
/** Most edges one heartbeat answer lists (the rest are not offered as redirect targets). */
export const FLEET_MAX_EDGES = 1000;

export const HeartbeatResponseSchema = z.object({
  edgeId: z.string(),
  /** Seconds between heartbeats the api expects; it marks the edge unhealthy after 3 missed. */
  heartbeatIntervalSeconds: z.number().int().min(1),
  /**
   * The other healthy, non-draining edges (never the caller), as of this heartbeat: the candidates an
   * edge at capacity or draining redirects to (RTMP 302, SMIL, ReconnectRequest). Older apis omit it.
   */
  fleet: z.array(FleetEdgeSchema).max(FLEET_MAX_EDGES).default([]),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

export const PlaybackKeySchema = z.object({
  kid: z.string(),
  /** null for platform keys (valid for any tenant's streams). */
  tenantId: z.string().nullable(),
  /** Ed25519 public key as a JWK. */
  jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }),
});
export type PlaybackKey = z.infer<typeof PlaybackKeySchema>;
/** Most keys in one page of GET playbackKeys (a page, never the whole platform, is one response). */
export const PLAYBACK_KEYS_MAX_PAGE = 500;

/** GET playbackKeys?after=<kid>&limit=<n>: the unrevoked keys ordered by kid, one page at a time. */
export const PlaybackKeysQuerySchema = z.object({
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(PLAYBACK_KEYS_MAX_PAGE).default(PLAYBACK_KEYS_MAX_PAGE),
});
export type PlaybackKeysQuery = z.infer<typeof PlaybackKeysQuerySchema>;
export const PlaybackKeysResponseSchema = z.object({
  keys: z.array(PlaybackKeySchema).max(PLAYBACK_KEYS_MAX_PAGE),
  /** Pass as `after` for the next page; null on the last page. */
  next: z.string().nullable(),
});
export type PlaybackKeysResponse = z.infer<typeof PlaybackKeysResponseSchema>;

/**
 * What changed in the control plane that edges must act on (the control feed). Each names the
 * stream, tenant or signing key it concerns; the edge drops what it cached about it and cuts the
 * publishers and viewers it no longer allows.
 */
export const ControlEventKindSchema = z.enum([
  'stream_key_rotated',
  'stream_disabled',
  'stream_enabled',
  'stream_deleted',
  'tenant_suspended',
  'tenant_reactivated',
  'signing_key_created',
  'signing_key_revoked',
  /** A stream's publish credentials were set, changed or removed: cached answers and its publisher go. */
  'publish_credentials_changed',
]);
export type ControlEventKind = z.infer<typeof ControlEventKindSchema>;

/** Feed ids are 64-bit integers, sent as decimal strings. */
export const FeedCursorSchema = z.string().regex(/^\d{1,19}$/, 'expected a decimal feed cursor');

export const ControlEventSchema = z.object({
  id: FeedCursorSchema,
  kind: ControlEventKindSchema,
  tenantId: z.string().nullable(),
  liveStreamId: z.string().nullable(),
  signingKeyId: z.string().nullable(),
  at: z.string(),
});
export type ControlEvent = z.infer<typeof ControlEventSchema>;

/** Longest long-poll an edge may ask for; most events one answer carries. */
export const CHANGES_MAX_WAIT_SECONDS = 30;
export const CHANGES_MAX_PAGE = 500;

/**
 * GET changes?after=<cursor>&waitSeconds=<s>: events after the cursor, answered as soon as there is
 * one or when the wait ends (empty). Without `after` the answer is the current head cursor and
 * `resync: true`: a starting edge takes the cursor first, loads its state, then follows.
 */
export const ChangesQuerySchema = z.object({
  after: FeedCursorSchema.optional(),
  waitSeconds: z.coerce.number().int().min(0).max(CHANGES_MAX_WAIT_SECONDS).default(0),
});
export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;
export const ChangesResponseSchema = z.object({
  events: z.array(ControlEventSchema).max(CHANGES_MAX_PAGE),
  /** Where to continue from (the last event's id, or the unchanged/head cursor). */
  cursor: FeedCursorSchema,
  /**
   * true: the cursor is older than the feed keeps (or unknown to this database), so events were
   * lost: drop every cached answer, reload the key set and re-check what is live, then follow from
   * `cursor`.
   */
  resync: z.boolean(),
});
export type ChangesResponse = z.infer<typeof ChangesResponseSchema>;

/**
 * POST liveStreamChecks: on a resync the edge asks which of its live streams may still publish, naming
 * each with the SHA-256 (base64url) of the stream key its publisher used (the edge never keeps the key).
 */
export const LiveStreamChecksRequestSchema = z.object({
  streams: z.array(z.object({ liveStreamId: z.string().max(64), keyDigest: z.string().max(64) })).max(10_000),
});
export type LiveStreamCheck = z.infer<typeof LiveStreamChecksRequestSchema>['streams'][number];
export const LiveStreamChecksResponseSchema = z.object({
  /**
   * The ids (of those asked) whose stream is deleted or disabled, whose tenant is suspended, or whose
   * key is no longer the one the publisher used (rotated).
   */
  revoked: z.array(z.string()),
});

/**
 * Relay tokens let one edge pull a live stream from another (origin → mid-tier → edge). They are
 * JWTs like playback tokens (contracts/playback-token.ts) signed with the platform key, but with
 * their own audience, so a viewer's playback token never opens the relay path and a relay token is
 * never a viewer's: only an edge, with its credential, can get one from the api.
 */
export const RELAY_TOKEN_AUDIENCE = 'tributary:relay';
/** A relay token only has to last until the pulling edge's `play` is accepted. */
export const RELAY_TOKEN_TTL_SECONDS = 120;
/** The play-name query parameter a pulling edge sends its relay token in. */
export const RELAY_TOKEN_PARAM = 'relay';

export const RelayTokenClaimsSchema = z.object({
  /** The playback id it opens. */
  sub: z.string(),
  aud: z.literal(RELAY_TOKEN_AUDIENCE),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  /** The edge it was issued to (the puller), for logs and metrics at the upstream edge. */
  edg: z.string(),
});
export type RelayTokenClaims = z.infer<typeof RelayTokenClaimsSchema>;

/**
 * GET streamOrigin(playbackId): is the stream live anywhere in the fleet, on which edge (its origin:
 * the ingest session's edge), and what a pulling edge needs: the publish grant's viewer-side fields
 * (so the edge applies the stream's policy and limits before its own publisher exists) and a relay
 * token. `live: false` while no healthy edge has an open session for it.
 */
export const StreamOriginResponseSchema = z.discriminatedUnion('live', [
  z.object({ live: z.literal(false) }),
  z.object({
    live: z.literal(true),
    tenantId: z.string(),
    liveStreamId: z.string(),
    playbackId: z.string(),
    playbackPolicy: PlaybackPolicySchema,
    eventTitle: z.string().nullable(),
    maxViewers: z.number().int().nullable(),
    sessionId: z.string(),
    origin: z.object({
      edgeId: z.string(),
      /** The origin edge's internal RTMP application URL (HeartbeatRequest.internalRtmpUrl or rtmpUrl). */
      rtmpUrl: z.string(),
    }),
    /** True when the asking edge is the origin itself (it has, or just lost, the publisher). */
    isSelf: z.boolean(),
    relayToken: z.string(),
    /**
     * Dynamic streaming: asked for `<playbackId>_<rendition>` of a stream with a ladder (renditions.ts),
     * the rendition, and the ladder (a pulling edge serves its manifests). The relay token then names
     * the whole name. Absent (older apis, or no ladder): a plain stream.
     */
    rendition: z.string().max(16).optional(),
    renditionSource: RenditionSourceSchema.optional(),
    renditions: z.array(RenditionSchema).max(16).optional(),
  }),
]);
export type StreamOriginResponse = z.infer<typeof StreamOriginResponseSchema>;

/** Most bytes one assetSource range request may ask for (32 MiB); a longer range is 416. */
export const EDGE_ASSET_MAX_RANGE_BYTES = 32 * 1024 * 1024;

/**
 * GET asset(playbackId): an on-demand asset as an edge sees it. Only `ready` assets are playable
 * (their file is whole and indexed); `updatedAt` changes when the asset does (policy, file), so an
 * edge keys what it caches of the file by it.
 */
export const EdgeAssetSchema = z.object({
  assetId: z.string(),
  tenantId: z.string(),
  playbackId: z.string(),
  playbackPolicy: PlaybackPolicySchema,
  status: z.enum(['preparing', 'ready', 'errored']),
  sizeBytes: z.number().int().min(0),
  updatedAt: z.string(),
});
export type EdgeAsset = z.infer<typeof EdgeAssetSchema>;

/** Why a recording ended early at the edge (apps/edge recording/): its asset is created errored. */
export const RecordingFailureSchema = z.enum(['disk_full', 'write_error', 'disk_too_slow', 'too_large']);

/**
 * POST recordings?<query>, body: the FLV file (application/octet-stream), or no body when `failed` is
 * set. The ingest edge sends each session's recording once the session ended (and, after a crash,
 * when it starts again); the api stores it as an asset of the stream's tenant (source `recording`).
 */
export const RecordingUploadQuerySchema = z.object({
  liveStreamId: z.string().min(1).max(64),
  /** The ingest session it recorded; it must be this edge's. */
  sessionId: z.string().min(1).max(64).optional(),
  startedAt: z.iso.datetime({ offset: true }),
  failed: RecordingFailureSchema.optional(),
});
export type RecordingUploadQuery = z.infer<typeof RecordingUploadQuerySchema>;
export const RecordingUploadResponseSchema = z.object({ assetId: z.string(), playbackId: z.string() });
export type RecordingUploadResponse = z.infer<typeof RecordingUploadResponseSchema>;
