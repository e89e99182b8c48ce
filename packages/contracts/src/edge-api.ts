import { z } from 'zod';

/**
 * The contract between edges and the api. Every call carries
 * `Authorization: Bearer <edge credential>` (issued when an operator registers
 * the edge). Paths are relative to the api's base URL.
 */
export const EdgeApiPaths = {
  authorizePublish: '/v1/edge/publish-authorizations',
  sessions: '/v1/edge/sessions',
  sessionStats: (sessionId: string) => `/v1/edge/sessions/${encodeURIComponent(sessionId)}/stats`,
  sessionEnd: (sessionId: string) => `/v1/edge/sessions/${encodeURIComponent(sessionId)}/end`,
  heartbeat: '/v1/edge/heartbeat',
  playbackKeys: '/v1/edge/playback-keys',
} as const;

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
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;
export const HeartbeatResponseSchema = z.object({
  edgeId: z.string(),
  /** Seconds between heartbeats the api expects; it marks the edge unhealthy after 3 missed. */
  heartbeatIntervalSeconds: z.number().int().min(1),
});

export const PlaybackKeySchema = z.object({
  kid: z.string(),
  /** null for platform keys (valid for any tenant's streams). */
  tenantId: z.string().nullable(),
  /** Ed25519 public key as a JWK. */
  jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }),
});
export type PlaybackKey = z.infer<typeof PlaybackKeySchema>;
export const PlaybackKeysResponseSchema = z.object({
  keys: z.array(PlaybackKeySchema),
  /** How long the edge may cache the key set, in seconds. */
  cacheTtlSeconds: z.number().int().min(0),
});
export type PlaybackKeysResponse = z.infer<typeof PlaybackKeysResponseSchema>;
