import { join, resolve } from 'node:path';
import { env, loadConfig, parseConfig } from '@tributary/service-kit';
import { z } from 'zod';

/**
 * The api's configuration, parsed once at start (DEVELOPERS.md "Runtime conventions").
 * README.md carries the same table for operators.
 */
export const ApiConfigSchema = z
  .object({
    API_PORT: env.port(4000),
    API_HOST: env.host('0.0.0.0'),
    /** Unset: an embedded PGlite under DATA_DIR, served on EMBEDDED_PG_PORT. */
    DATABASE_URL: env.postgresUrl().optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    /** 0 picks any free port. */
    EMBEDDED_PG_PORT: env.port(5499),
    BOOTSTRAP_OPERATOR_EMAIL: z
      .email({ error: 'expected an e-mail address' })
      .default('admin@tributary.local'),
    BOOTSTRAP_OPERATOR_PASSWORD: z.string().min(10, 'expected at least 10 characters').optional(),
    /** base64 of 32 random bytes; unset: generated once into DATA_DIR/secrets.key. */
    SECRETS_KEY: z
      .string()
      .refine((s) => Buffer.from(s, 'base64').length === 32, 'expected base64 of exactly 32 bytes')
      .optional(),
    PUBLIC_RTMP_URL: z
      .string()
      .regex(/^rtmps?:\/\//, 'expected an rtmp:// URL')
      .default('rtmp://127.0.0.1:1935/live'),
    PUBLIC_PLAYBACK_HTTP_URL: env.url().default('http://127.0.0.1:8080'),
    /**
     * The fleet's playback name (issue 11): a round-robin DNS name or load balancer in front of every
     * edge, e.g. rtmp://live.example.com/live and https://live.example.com. Any edge serves any stream
     * (edges pull from the stream's origin), so playback URLs name the fleet, not one edge. Unset: the
     * least-loaded healthy edge's own URLs.
     */
    FLEET_RTMP_URL: z
      .string()
      .regex(/^rtmps?:\/\//, 'expected an rtmp:// URL')
      .optional(),
    FLEET_HTTP_URL: env.url().optional(),
    /** auto: Secure when the request came over https (directly or per X-Forwarded-Proto). */
    COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
    /** Comma-separated origins allowed to call with credentials (the dashboard); empty: no CORS. */
    CORS_ORIGINS: z
      .string()
      .default('http://127.0.0.1:3000,http://localhost:3000')
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o.length > 0),
      ),
    /** Requests per API key per minute, counted in Postgres so every api instance shares it. */
    RATE_LIMIT_PER_MINUTE: env.int(1200, 1),
    /** Login attempts per client IP per minute (password guessing). */
    LOGIN_RATE_LIMIT_PER_MINUTE: env.int(10, 1),
    /** Playback tokens minted per tenant per minute (docs/reliability.md: rate-limits-and-caps token-mint loop). */
    TOKEN_MINT_RATE_LIMIT_PER_MINUTE: env.int(600, 1),
    /** Seconds between edge heartbeats; an edge is unhealthy after 3 missed. */
    EDGE_HEARTBEAT_INTERVAL_SECONDS: env.int(10, 1, 3600),
    /** Dashboard session lifetime. */
    SESSION_TTL_HOURS: env.int(24 * 7, 1),
    /** An invitation link (src/modules/members) works this long, once. */
    INVITATION_TTL_HOURS: env.int(72, 1, 24 * 90),
    /** Pending invitations one tenant may have at once (bounded work and storage per tenant). */
    TENANT_MAX_PENDING_INVITATIONS: env.int(100, 1, 10_000),
    /** The dashboard's public URL: invitation links point at its /invite/<token> page. */
    PUBLIC_DASHBOARD_URL: env.url().default('http://127.0.0.1:3000'),
    /** Per-tenant caps on objects (only active ones count: unrevoked keys, undeleted streams, scheduled or live events). */
    TENANT_MAX_SIGNING_KEYS: env.int(50, 1),
    TENANT_MAX_API_KEYS: env.int(100, 1),
    TENANT_MAX_LIVE_STREAMS: env.int(10_000, 1),
    TENANT_MAX_LIVE_EVENTS: env.int(10_000, 1),
    /** On-demand assets per tenant (uploads and recordings); a tenant's quotaAssets replaces it. */
    TENANT_MAX_ASSETS: env.int(10_000, 1),
    /** Largest upload, in one multipart request (POST /v1/assets) or resumable (tus, its Upload-Length). */
    ASSET_MAX_UPLOAD_BYTES: env.int(2 * 1024 * 1024 * 1024, 1024),
    /** Largest recording an edge may hand over (a session of hours at a high bitrate). */
    ASSET_MAX_RECORDING_BYTES: env.int(32 * 1024 * 1024 * 1024, 1024),
    /** Where assets are stored; unset: DATA_DIR/assets on local disk. */
    ASSET_STORAGE_DIR: z.string().min(1).optional(),
    /** local: files under ASSET_STORAGE_DIR; s3: objects in S3_BUCKET of an S3-compatible store (S3_* below). */
    ASSET_STORAGE: z.enum(['local', 's3']).default('local'),
    /** The S3 API's base URL (MinIO, Ceph, R2...); unset: AWS's own endpoint for S3_REGION. */
    S3_ENDPOINT: env.url().optional(),
    S3_BUCKET: z.string().min(3).max(63).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Bucket in the path (http://host/bucket/key), as most self-hosted S3 servers need. */
    S3_FORCE_PATH_STYLE: env.bool(true),
    /** Resumable (tus) uploads in progress are kept here until whole; unset: DATA_DIR/uploads. */
    ASSET_UPLOAD_DIR: z.string().min(1).optional(),
    /** An unfinished resumable upload untouched this long expires and its bytes are removed. */
    ASSET_UPLOAD_EXPIRY_SECONDS: env.int(24 * 3600, 1, 30 * 24 * 3600),
    /** Unfinished resumable uploads one tenant may have at once (each holds up to ASSET_MAX_UPLOAD_BYTES of disk). */
    TENANT_MAX_OPEN_UPLOADS: env.int(20, 1),
    /** Failed logins per account per minute, counted across every client IP (password guessing from many IPs). */
    LOGIN_ACCOUNT_FAILURES_PER_MINUTE: env.int(5, 1),
    /**
     * Shared with the dashboard (its API_PROXY_SECRET): a request carrying it in X-Tributary-Proxy-Secret may
     * name the client's IP in X-Forwarded-For. Unset: X-Forwarded-For is never trusted.
     */
    TRUSTED_PROXY_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
    /** Idempotency records (and the responses they replay) are kept this long, then purged. */
    IDEMPOTENCY_TTL_HOURS: env.int(24, 1),
    /** Ended ingest sessions are deleted this many days after they ended (usage aggregates stay). */
    INGEST_SESSION_RETENTION_DAYS: env.int(90, 1),
    /** How often expired sessions, idempotency records and old ingest sessions are purged. */
    RETENTION_INTERVAL_SECONDS: env.int(300, 1, 86_400),
    /**
     * Control feed (revocations edges follow): parked long-polls re-read the feed's head this often, the
     * fallback when no notification arrives (PGlite never delivers them), so this bounds revocation latency.
     */
    CONTROL_FEED_POLL_MS: env.int(1000, 50, 10_000),
    /** LISTEN for other api instances' feed commits (external Postgres only) for immediate wake-ups. */
    CONTROL_FEED_LISTEN: env.bool(true),
    /** Feed rows are kept this long; an edge whose cursor is older resyncs fully. */
    CONTROL_FEED_RETENTION_HOURS: env.int(24, 1, 24 * 90),
    /** How long an FMLE publisher (authmod=adobe) has to answer its challenge; each challenge is answered once. */
    PUBLISH_AUTH_CHALLENGE_TTL_SECONDS: env.int(60, 1, 3600),
    /** Wrong authmod=adobe answers per username per minute, from any edge or IP; past it the user is refused until the minute ends. */
    PUBLISH_AUTH_FAILURES_PER_MINUTE: env.int(10, 1),
    /**
     * Webhooks (src/modules/webhooks): comma-separated host:port entries a webhook URL may name even when they
     * resolve to private, loopback or link-local addresses (self-hosted receivers; tests' local receiver).
     */
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter((h) => h.length > 0),
      )
      .pipe(
        z.array(z.string().regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/, 'expected host:port entries')),
      ),
    /** One delivery attempt (connect, send, response) is cut after this. */
    WEBHOOK_TIMEOUT_MS: env.int(10_000, 100, 60_000),
    /** First retry delay; each further one doubles, up to WEBHOOK_RETRY_MAX_MS. */
    WEBHOOK_RETRY_BASE_MS: env.int(10_000, 10, 3_600_000),
    WEBHOOK_RETRY_MAX_MS: env.int(3_600_000, 10, 24 * 3_600_000),
    /** A delivery is retried until this long after its event, then marked failed. */
    WEBHOOK_RETRY_WINDOW_HOURS: env.int(24, 1, 24 * 30),
    /** Deliveries in flight per api instance. */
    WEBHOOK_CONCURRENCY: env.int(8, 1, 256),
    /** Endpoints per tenant. */
    TENANT_MAX_WEBHOOKS: env.int(20, 1, 1000),
    /** Webhook events (and their delivery log) are purged this many days after they happened, once none is pending. */
    WEBHOOK_RETENTION_DAYS: env.int(30, 2, 3650),
    /**
     * A live event whose stream's publish ended stays live this long (a publisher that comes back within it
     * keeps the event running); past it the event ends (src/modules/live-events/live-event-runner.ts).
     */
    LIVE_EVENT_RECONNECT_WINDOW_SECONDS: env.int(60, 1, 24 * 3600),
    /** Database pool size for an external Postgres (the embedded one is fixed at 1). */
    DATABASE_POOL_MAX: env.int(10, 1, 100),
    LOG_LEVEL: env.logLevel(),
    LOG_FORMAT: env.logFormat(),
  })
  .refine((c) => c.ASSET_STORAGE !== 's3' || c.S3_BUCKET !== undefined, {
    message: 'ASSET_STORAGE=s3 needs S3_BUCKET',
    path: ['S3_BUCKET'],
  })
  .transform((c) => ({ ...c, DATA_DIR: resolve(c.DATA_DIR) }));

export type ApiConfig = z.infer<typeof ApiConfigSchema>;

/** For main(): prints every bad variable and exits 1. */
export function loadApiConfig(): ApiConfig {
  return loadConfig('api', ApiConfigSchema);
}

/** For tests and tools: the same parsing over an explicit environment. */
export function parseApiConfig(vars: Record<string, string | undefined>): ApiConfig {
  return parseConfig('api', ApiConfigSchema, vars);
}

export function pgliteDataDir(config: ApiConfig): string {
  return join(config.DATA_DIR, 'pglite');
}
