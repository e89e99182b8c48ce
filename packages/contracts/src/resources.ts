import { z } from 'zod';
import { PlaybackPolicySchema } from './edge-api';
import { AssetPlaybackUrlsSchema, PlaybackUrlsSchema } from './playback-urls';
import {
  RenditionLadderSchema,
  RenditionLiveStatsSchema,
  RenditionSchema,
  RenditionSourceSchema,
} from './renditions';

/**
 * Public REST API resources (responses). Request bodies are validated by the api
 * with the *Input schemas below; unknown fields are rejected (no mass assignment).
 * Dates are ISO-8601 strings. Every list is `{ data, nextCursor }`.
 */
export const isoDate = z.string();

export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
export type List<T> = { data: T[]; nextCursor: string | null };

/** Largest page a list returns: bounded work per request (docs/reliability.md: rate-limits-and-caps: limit=1000000 is clamped, not refused). */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * What a list's cursor looks like: the key of the last row of the page before (an id, in the alphabet of
 * contracts/names.ts). Anything else is refused before it reaches the database (a NUL made Postgres fail).
 */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Query parameters every list accepts; endpoints extend it with their filters. `limit` is clamped to [1, 100]. */
export const ListQuerySchema = z.strictObject({
  cursor: z
    .string()
    .regex(CURSOR_PATTERN, "must be a list's nextCursor ([A-Za-z0-9_-]{1,128})")
    .describe('The nextCursor of the page before (lists are newest first); absent: the first page')
    .optional(),
  limit: z.coerce
    .number({ error: 'expected a number' })
    .int('expected a whole number')
    .transform((n) => Math.min(MAX_PAGE_SIZE, Math.max(1, n)))
    .describe('Rows per page: 1 to 100, larger values are clamped')
    .default(DEFAULT_PAGE_SIZE),
});

// ---- tenants (operators) ----
/**
 * Per-tenant caps on how many objects a tenant may hold (active ones: unrevoked keys, streams, scheduled
 * or live events, assets); null: the platform default (the api's TENANT_MAX_*). Not to be confused with
 * maxLiveStreams, which caps streams live at the same time.
 */
function TenantQuotaFields<T extends z.ZodType>(field: T) {
  return {
    quotaSigningKeys: field,
    quotaApiKeys: field,
    quotaLiveStreams: field,
    quotaLiveEvents: field,
    quotaAssets: field,
  };
}
const quotaInput = z.number().int().min(0).max(1_000_000).nullable().optional();
export const TenantStatusSchema = z.enum(['active', 'suspended']);
export const TenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: TenantStatusSchema,
  maxLiveStreams: z.number().int().nullable(),
  maxViewers: z.number().int().nullable(),
  ...TenantQuotaFields(z.number().int().nullable()),
  createdAt: isoDate,
});
export type Tenant = z.infer<typeof TenantSchema>;
export const CreateTenantInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  maxLiveStreams: z.number().int().min(0).max(100000).nullable().optional(),
  maxViewers: z.number().int().min(0).max(10000000).nullable().optional(),
  ...TenantQuotaFields(quotaInput),
});
export const UpdateTenantInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  status: TenantStatusSchema.optional(),
  maxLiveStreams: z.number().int().min(0).max(100000).nullable().optional(),
  maxViewers: z.number().int().min(0).max(10000000).nullable().optional(),
  ...TenantQuotaFields(quotaInput),
});

// ---- users and sessions ----
export const MemberRoleSchema = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof MemberRoleSchema>;
export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isOperator: z.boolean(),
  memberships: z.array(z.object({ tenantId: z.string(), tenantName: z.string(), role: MemberRoleSchema })),
  createdAt: isoDate,
});
export type User = z.infer<typeof UserSchema>;
export const LoginInputSchema = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(256),
});
/** A password a user sets (creation, invitation, change): the one rule, in one place. */
export const NewPasswordSchema = z
  .string()
  .min(10, 'expected at least 10 characters')
  .max(256, 'expected at most 256 characters');
export const CreateUserInputSchema = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(254),
  name: z.string().trim().min(1).max(100),
  password: NewPasswordSchema,
  role: MemberRoleSchema.default('member'),
});

// ---- api keys ----
export const ApiKeyScopeSchema = z.enum(['read', 'write']);
export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The visible start of the key, e.g. "tk_live_ab12". */
  prefix: z.string(),
  scopes: z.array(ApiKeyScopeSchema),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;
export const CreateApiKeyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(ApiKeyScopeSchema).min(1).default(['read', 'write']),
});
/** Returned once, on creation: `key` is never shown again. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });

// ---- live streams ----
export const LiveStreamStatusSchema = z.enum(['idle', 'active', 'disabled']);
export const LiveSessionSummarySchema = z.object({
  id: z.string(),
  edgeId: z.string().nullable(),
  startedAt: isoDate,
  endedAt: isoDate.nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  frameRate: z.number().nullable(),
  bitrateKbps: z.number().nullable(),
  viewers: z.number().int(),
  peakViewers: z.number().int(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  /** Dynamic streaming: the ladder's renditions live at the last report, with their bitrates and viewers. */
  renditions: z.array(RenditionLiveStatsSchema).optional(),
});
export type LiveSessionSummary = z.infer<typeof LiveSessionSummarySchema>;
export const LiveStreamSchema = z.object({
  id: z.string(),
  name: z.string(),
  playbackId: z.string(),
  playbackPolicy: PlaybackPolicySchema,
  record: z.boolean(),
  status: LiveStreamStatusSchema,
  currentSession: LiveSessionSummarySchema.nullable(),
  /**
   * Where encoders publish: server URL per edge (the stream key is the stream name), and the edge's
   * RTMPS (RTMP over TLS) server URL when it serves one.
   */
  ingest: z.array(
    z.object({
      edgeId: z.string().nullable(),
      region: z.string().nullable(),
      server: z.string(),
      rtmpsServer: z.string().optional(),
    }),
  ),
  /** Playback URLs (append `?token=` for signed streams). */
  playback: PlaybackUrlsSchema,
  /** The ladder (issue 13, renditions.ts): how renditions are made, and which. */
  renditionSource: RenditionSourceSchema,
  renditions: z.array(RenditionSchema),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type LiveStream = z.infer<typeof LiveStreamSchema>;
export const CreateLiveStreamInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  playbackPolicy: PlaybackPolicySchema.default('public'),
  record: z.boolean().default(false),
  renditionSource: RenditionSourceSchema.default('none'),
  renditions: RenditionLadderSchema.default([]),
});
export const UpdateLiveStreamInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  playbackPolicy: PlaybackPolicySchema.optional(),
  record: z.boolean().optional(),
  renditionSource: RenditionSourceSchema.optional(),
  renditions: RenditionLadderSchema.optional(),
});
/** Returned on create, on rotate and by GET /v1/live-streams/{id}/stream-key. */
export const StreamKeySchema = z.object({ streamKey: z.string() });
export const CreatedLiveStreamSchema = LiveStreamSchema.extend({ streamKey: z.string() });

// ---- live events ----
export const LiveEventStateSchema = z.enum(['scheduled', 'live', 'ended', 'cancelled']);
export const LiveEventSchema = z.object({
  id: z.string(),
  liveStreamId: z.string(),
  title: z.string(),
  description: z.string(),
  state: LiveEventStateSchema,
  scheduledStartAt: isoDate.nullable(),
  scheduledEndAt: isoDate.nullable(),
  startedAt: isoDate.nullable(),
  endedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type LiveEvent = z.infer<typeof LiveEventSchema>;
export const CreateLiveEventInputSchema = z.strictObject({
  liveStreamId: z.string().min(1).max(64),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(''),
  scheduledStartAt: z.iso.datetime({ offset: true }).nullable().optional(),
  scheduledEndAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export const UpdateLiveEventInputSchema = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).optional(),
  scheduledStartAt: z.iso.datetime({ offset: true }).nullable().optional(),
  scheduledEndAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
/** POST /v1/live-events/{id}/transitions  scheduled→live→ended, scheduled→cancelled */
export const LiveEventTransitionInputSchema = z.strictObject({ to: z.enum(['live', 'ended', 'cancelled']) });

// ---- playback tokens and signing keys ----
export const CreatePlaybackTokenInputSchema = z.strictObject({
  playbackId: z.string().min(1).max(64),
  /** Seconds until expiry; default 3600, at most 86400. */
  ttlSeconds: z.number().int().min(10).max(86400).default(3600),
  clientIp: z.string().max(64).optional(),
});
export const PlaybackTokenSchema = z.object({
  token: z.string(),
  playbackId: z.string(),
  expiresAt: isoDate,
  /**
   * Ready-made URLs carrying the token. For an on-demand asset `rtmp` (its on-demand application) and
   * `hls`; `flv` and `smil` are null there (`rtmp` stays nullable for clients of the earlier shape).
   */
  playback: PlaybackUrlsSchema.extend({ rtmp: z.string().nullable() }),
});
export type PlaybackToken = z.infer<typeof PlaybackTokenSchema>;
export const SigningKeySchema = z.object({
  /** The JWT `kid` to put in tokens signed with this key. */
  id: z.string(),
  name: z.string(),
  publicKeyPem: z.string(),
  createdAt: isoDate,
  revokedAt: isoDate.nullable(),
});
export type SigningKey = z.infer<typeof SigningKeySchema>;
export const CreateSigningKeyInputSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
/** Returned once: the api keeps only the public key. */
export const CreatedSigningKeySchema = SigningKeySchema.extend({ privateKeyPem: z.string() });

// ---- edges (operators) ----
export const EdgeStatusSchema = z.enum(['unknown', 'healthy', 'unhealthy']);
export const EdgeSchema = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  rtmpUrl: z.string(),
  httpUrl: z.string(),
  capacity: z.number().int(),
  status: EdgeStatusSchema,
  lastHeartbeatAt: isoDate.nullable(),
  load: z.object({
    connections: z.number().int(),
    publishers: z.number().int(),
    viewers: z.number().int(),
    /** The edge's own viewer cap (EDGE_MAX_VIEWERS): past it, new viewers are redirected (null: none). */
    maxViewers: z.number().int().nullable(),
    /** Egress over the edge's last heartbeat interval, bits per second. */
    egressBps: z.number(),
  }),
  /** Shutting down: it takes no new viewers or publishers and is offered to nobody. */
  draining: z.boolean(),
  /** Where other edges pull its streams from (null: its rtmpUrl). */
  internalRtmpUrl: z.string().nullable(),
  /** Its public RTMPS URL, from its heartbeats (null: no RTMPS, or not said). */
  rtmpsUrl: z.string().nullable(),
  createdAt: isoDate,
});
export type Edge = z.infer<typeof EdgeSchema>;
export const CreateEdgeInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  region: z.string().trim().min(1).max(64),
  rtmpUrl: z.string().url().max(300),
  httpUrl: z.string().url().max(300),
  capacity: z.number().int().min(1).max(1000000).default(1000),
});
/** Returned once: the credential the edge puts in EDGE_API_TOKEN. */
export const CreatedEdgeSchema = EdgeSchema.extend({ credential: z.string() });

// ---- on-demand assets (issue 12) ----
export const AssetStatusSchema = z.enum(['preparing', 'ready', 'errored']);
export const AssetSchema = z.object({
  id: z.string(),
  name: z.string(),
  playbackId: z.string(),
  playbackPolicy: PlaybackPolicySchema,
  /** preparing: stored and being indexed; ready: playable; errored: see `error`. */
  status: AssetStatusSchema,
  /** Why the file cannot be played, in words for the uploader (null unless errored). */
  error: z.string().nullable(),
  source: z.enum(['upload', 'recording']),
  /** The live stream a recording is of (GET /v1/assets?liveStreamId= lists them); null for uploads. */
  liveStreamId: z.string().nullable(),
  sizeBytes: z.number().int(),
  durationMs: z.number().nullable(),
  tracks: z.object({
    video: z
      .object({
        codec: z.string(),
        width: z.number().int(),
        height: z.number().int(),
        frameRate: z.number().nullable(),
      })
      .nullable(),
    audio: z
      .object({ codec: z.string(), sampleRate: z.number().int(), channels: z.number().int() })
      .nullable(),
  }),
  /** Where it plays (HLS from every edge; a signed asset's URL needs `?token=`); null unless ready. */
  playback: AssetPlaybackUrlsSchema.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Asset = z.infer<typeof AssetSchema>;
export const UpdateAssetInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  playbackPolicy: PlaybackPolicySchema.optional(),
});
/** Multipart form fields of POST /v1/assets besides `file` (the file's own name is the default name). */
export const ASSET_UPLOAD_FIELDS = ['name', 'playbackPolicy'] as const;

// ---- ingest sessions and usage ----
export const IngestSessionSchema = LiveSessionSummarySchema.extend({
  liveStreamId: z.string(),
  endReason: z.string().nullable(),
});
export type IngestSession = z.infer<typeof IngestSessionSchema>;
export const UsageQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  granularity: z.enum(['hour', 'day']).default('hour'),
});
export const UsageRowSchema = z.object({
  periodStart: isoDate,
  viewerMinutes: z.number(),
  egressBytes: z.number(),
  ingestBytes: z.number(),
});
export const UsageResponseSchema = z.object({
  granularity: z.enum(['hour', 'day']),
  data: z.array(UsageRowSchema),
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

// ---- authentication transport ----
/** Dashboard session cookie set by POST /v1/auth/login (HTTP-only, SameSite=Lax). */
export const SESSION_COOKIE = 'tributary_session';
/**
 * Users act inside one tenant per request: members of several tenants and
 * operators name it with this header; a user with one membership may omit it.
 * API keys belong to one tenant and ignore it.
 */
export const TENANT_HEADER = 'x-tenant-id';
/** Creating endpoints accept this header; a repeat with the same key returns the first result. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/**
 * Fields of a creating answer that carry a secret shown once (an API key, a stream key, a signing key's
 * private half, an edge credential, a webhook signing secret). The api never stores them with an
 * Idempotency-Key's answer: a replay (the same key again) answers without them, says it is a replay in
 * Idempotent-Replayed and names those left out in Idempotent-Redacted. The client then knows the object
 * exists (no duplicate) and recovers the secret the resource's own way (reveal the stream key, or revoke
 * and create the key again).
 */
export const IDEMPOTENT_REPLAY_SECRET_FIELDS = [
  'key',
  'streamKey',
  'privateKeyPem',
  'credential',
  'secret',
] as const;
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const IDEMPOTENT_REDACTED_HEADER = 'idempotent-redacted';
