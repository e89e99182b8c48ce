import 'server-only';
import {
  ApiKeySchema,
  AssetSchema,
  CreatedApiKeySchema,
  CreatedEdgeSchema,
  CreatedLiveStreamSchema,
  CreatedSigningKeySchema,
  CreatedWebhookEndpointSchema,
  EdgeSchema,
  ErrorEnvelopeSchema,
  IngestSessionSchema,
  LiveEventSchema,
  LiveStreamSchema,
  listOf,
  PlaybackTokenSchema,
  PublishCredentialSchema,
  SESSION_COOKIE,
  SigningKeySchema,
  StreamKeySchema,
  TENANT_HEADER,
  TenantSchema,
  UsageResponseSchema,
  UserSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
} from '@tributary/contracts';
import { z } from 'zod';
import { config } from '../config';
import { ApiError } from './api-error';

/**
 * The dashboard's only door to the control plane: a typed client over the public REST
 * API (packages/contracts/src/resources.ts). Server-only: it forwards the caller's
 * session cookie and tenant, and validates every answer against the contract so that
 * drift between api and dashboard fails loudly here instead of deep in a page.
 */

/** Who is calling: the session cookie value and the tenant to act in (X-Tenant-Id). */
export type Caller = { session: string | null; tenantId: string | null };

type CallOptions = {
  body?: unknown;
  /** The browser's IP, forwarded to the api (believed there only with API_PROXY_SECRET). */
  clientIp?: string | null;
  query?: Record<string, string | number | undefined>;
  /** Send X-Tenant-Id: tenant-scoped resources only. */
  tenantScoped?: boolean;
};

/** Lists are read in one page of the largest size the api accepts (ListQuerySchema: max 100). */
export const LIST_PAGE_SIZE = 100;

export const NoContent = z.unknown();

/** One api call as `caller`, its answer checked against `schema`; also used by server/members-client.ts. */
export async function call<S extends z.ZodType>(
  caller: Caller,
  schema: S,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: CallOptions = {},
): Promise<{ data: z.infer<S>; response: Response }> {
  const url = new URL(path, config.API_URL);
  for (const [k, v] of Object.entries(options.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (caller.session) headers.cookie = `${SESSION_COOKIE}=${caller.session}`;
  if (options.tenantScoped && caller.tenantId) headers[TENANT_HEADER] = caller.tenantId;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (config.API_PROXY_SECRET) headers['x-tributary-proxy-secret'] = config.API_PROXY_SECRET;
  if (options.clientIp) headers['x-forwarded-for'] = options.clientIp;

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      signal: AbortSignal.timeout(config.API_TIMEOUT_MS),
    });
  } catch (err) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError' ? 'did not answer in time' : 'is unreachable';
    throw new ApiError(503, 'service_unavailable', `The control plane ${reason}. Try again in a moment.`);
  }

  const text = await response.text();
  const json: unknown = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const envelope = ErrorEnvelopeSchema.safeParse(json);
    if (envelope.success) {
      const { code, message, details } = envelope.data.error;
      throw new ApiError(response.status, code, message, details);
    }
    throw new ApiError(
      response.status,
      'internal_error',
      `The api answered ${method} ${path} with ${response.status}.`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'unknown shape';
    throw new ApiError(
      502,
      'internal_error',
      `The api answered ${method} ${path} outside its contract (${where}).`,
    );
  }
  return { data: parsed.data, response };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function get<S extends z.ZodType>(c: Caller, s: S, path: string, o?: CallOptions): Promise<z.infer<S>> {
  return (await call(c, s, 'GET', path, o)).data;
}
async function send<S extends z.ZodType>(
  c: Caller,
  s: S,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  o?: CallOptions,
): Promise<z.infer<S>> {
  return (await call(c, s, method, path, o)).data;
}

const page = (cursor?: string) => ({ limit: LIST_PAGE_SIZE, cursor });
const scoped = { tenantScoped: true } as const;
const id = (value: string) => encodeURIComponent(value);

/** The session value the api set on login, read from its Set-Cookie header. */
function sessionFromSetCookie(response: Response): { value: string; maxAgeSeconds: number | null } | null {
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const maxAge = attributes.map((a) => a.trim().match(/^max-age=(\d+)$/i)).find(Boolean);
    return { value: pair.slice(eq + 1).trim(), maxAgeSeconds: maxAge?.[1] ? Number(maxAge[1]) : null };
  }
  return null;
}

export const api = {
  auth: {
    async login(input: { email: string; password: string }, clientIp: string | null = null) {
      const anonymous: Caller = { session: null, tenantId: null };
      const { data: user, response } = await call(anonymous, UserSchema, 'POST', '/v1/auth/login', {
        body: input,
        clientIp,
      });
      const session = sessionFromSetCookie(response);
      if (!session)
        throw new ApiError(502, 'internal_error', 'The api accepted the login but set no session cookie.');
      return { user, session };
    },
    logout: (c: Caller) => send(c, NoContent, 'POST', '/v1/auth/logout'),
    me: (c: Caller) => get(c, UserSchema, '/v1/auth/me'),
  },
  tenants: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(TenantSchema), '/v1/tenants', { query: page(cursor) }),
    create: (c: Caller, body: unknown) => send(c, TenantSchema, 'POST', '/v1/tenants', { body }),
    update: (c: Caller, tenantId: string, body: unknown) =>
      send(c, TenantSchema, 'PATCH', `/v1/tenants/${id(tenantId)}`, { body }),
  },
  edges: {
    list: (c: Caller, cursor?: string) => get(c, listOf(EdgeSchema), '/v1/edges', { query: page(cursor) }),
    create: (c: Caller, body: unknown) => send(c, CreatedEdgeSchema, 'POST', '/v1/edges', { body }),
    remove: (c: Caller, edgeId: string) => send(c, NoContent, 'DELETE', `/v1/edges/${id(edgeId)}`),
  },
  assets: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(AssetSchema), '/v1/assets', { ...scoped, query: page(cursor) }),
    /** A live stream's recordings, newest first. */
    recordingsOf: (c: Caller, liveStreamId: string, cursor?: string) =>
      get(c, listOf(AssetSchema), '/v1/assets', { ...scoped, query: { ...page(cursor), liveStreamId } }),
    get: (c: Caller, assetId: string) => get(c, AssetSchema, `/v1/assets/${id(assetId)}`, scoped),
    remove: (c: Caller, assetId: string) => send(c, NoContent, 'DELETE', `/v1/assets/${id(assetId)}`, scoped),
    /** One request of a resumable (tus) upload, relayed to /v1/assets/uploads[/uploadId]. */
    relayResumable: (
      c: Caller,
      method: string,
      uploadId: string | null,
      headers: Headers,
      body: ReadableStream<Uint8Array> | null,
    ) => relayResumable(c, method, uploadId, headers, body),
  },
  apiKeys: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(ApiKeySchema), '/v1/api-keys', { ...scoped, query: page(cursor) }),
    create: (c: Caller, body: unknown) =>
      send(c, CreatedApiKeySchema, 'POST', '/v1/api-keys', { ...scoped, body }),
    revoke: (c: Caller, keyId: string) => send(c, NoContent, 'DELETE', `/v1/api-keys/${id(keyId)}`, scoped),
  },
  webhooks: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(WebhookEndpointSchema), '/v1/webhooks', { ...scoped, query: page(cursor) }),
    get: (c: Caller, hookId: string) => get(c, WebhookEndpointSchema, `/v1/webhooks/${id(hookId)}`, scoped),
    create: (c: Caller, body: unknown) =>
      send(c, CreatedWebhookEndpointSchema, 'POST', '/v1/webhooks', { ...scoped, body }),
    update: (c: Caller, hookId: string, body: unknown) =>
      send(c, WebhookEndpointSchema, 'PATCH', `/v1/webhooks/${id(hookId)}`, { ...scoped, body }),
    remove: (c: Caller, hookId: string) => send(c, NoContent, 'DELETE', `/v1/webhooks/${id(hookId)}`, scoped),
    rotateSecret: (c: Caller, hookId: string) =>
      send(c, CreatedWebhookEndpointSchema, 'POST', `/v1/webhooks/${id(hookId)}/rotate-secret`, scoped),
    deliveries: (c: Caller, hookId: string, cursor?: string) =>
      get(c, listOf(WebhookDeliverySchema), `/v1/webhooks/${id(hookId)}/deliveries`, {
        ...scoped,
        query: page(cursor),
      }),
    redeliver: (c: Caller, hookId: string, deliveryId: string) =>
      send(
        c,
        WebhookDeliverySchema,
        'POST',
        `/v1/webhooks/${id(hookId)}/deliveries/${id(deliveryId)}/redeliver`,
        scoped,
      ),
  },
  liveStreams: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(LiveStreamSchema), '/v1/live-streams', { ...scoped, query: page(cursor) }),
    get: (c: Caller, streamId: string) =>
      get(c, LiveStreamSchema, `/v1/live-streams/${id(streamId)}`, scoped),
    create: (c: Caller, body: unknown) =>
      send(c, CreatedLiveStreamSchema, 'POST', '/v1/live-streams', { ...scoped, body }),
    update: (c: Caller, streamId: string, body: unknown) =>
      send(c, LiveStreamSchema, 'PATCH', `/v1/live-streams/${id(streamId)}`, { ...scoped, body }),
    remove: (c: Caller, streamId: string) =>
      send(c, NoContent, 'DELETE', `/v1/live-streams/${id(streamId)}`, scoped),
    streamKey: (c: Caller, streamId: string) =>
      get(c, StreamKeySchema, `/v1/live-streams/${id(streamId)}/stream-key`, scoped),
    rotateKey: (c: Caller, streamId: string) =>
      send(c, StreamKeySchema, 'POST', `/v1/live-streams/${id(streamId)}/rotate-key`, scoped),
    disable: (c: Caller, streamId: string) =>
      send(c, NoContent, 'POST', `/v1/live-streams/${id(streamId)}/disable`, scoped),
    enable: (c: Caller, streamId: string) =>
      send(c, NoContent, 'POST', `/v1/live-streams/${id(streamId)}/enable`, scoped),
    /** The stream's authmod=adobe username (404 when publishing needs no credentials). */
    publishCredential: (c: Caller, streamId: string) =>
      get(c, PublishCredentialSchema, `/v1/live-streams/${id(streamId)}/publish-credentials`, scoped),
    setPublishCredential: (c: Caller, streamId: string, body: unknown) =>
      send(c, PublishCredentialSchema, 'PUT', `/v1/live-streams/${id(streamId)}/publish-credentials`, {
        ...scoped,
        body,
      }),
    removePublishCredential: (c: Caller, streamId: string) =>
      send(c, NoContent, 'DELETE', `/v1/live-streams/${id(streamId)}/publish-credentials`, scoped),
  },
  liveEvents: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(LiveEventSchema), '/v1/live-events', { ...scoped, query: page(cursor) }),
    get: (c: Caller, eventId: string) => get(c, LiveEventSchema, `/v1/live-events/${id(eventId)}`, scoped),
    create: (c: Caller, body: unknown) =>
      send(c, LiveEventSchema, 'POST', '/v1/live-events', { ...scoped, body }),
    update: (c: Caller, eventId: string, body: unknown) =>
      send(c, LiveEventSchema, 'PATCH', `/v1/live-events/${id(eventId)}`, { ...scoped, body }),
    transition: (c: Caller, eventId: string, to: 'live' | 'ended' | 'cancelled') =>
      send(c, LiveEventSchema, 'POST', `/v1/live-events/${id(eventId)}/transitions`, {
        ...scoped,
        body: { to },
      }),
  },
  playbackTokens: {
    create: (c: Caller, body: { playbackId: string; ttlSeconds: number }) =>
      send(c, PlaybackTokenSchema, 'POST', '/v1/playback-tokens', { ...scoped, body }),
  },
  signingKeys: {
    list: (c: Caller, cursor?: string) =>
      get(c, listOf(SigningKeySchema), '/v1/signing-keys', { ...scoped, query: page(cursor) }),
    create: (c: Caller, body: unknown) =>
      send(c, CreatedSigningKeySchema, 'POST', '/v1/signing-keys', { ...scoped, body }),
    revoke: (c: Caller, keyId: string) =>
      send(c, NoContent, 'DELETE', `/v1/signing-keys/${id(keyId)}`, scoped),
  },
  sessions: {
    /** The most recent ingest sessions of one stream, newest first. */
    recent: (c: Caller, liveStreamId: string, limit: number) =>
      get(c, listOf(IngestSessionSchema), '/v1/sessions', { ...scoped, query: { liveStreamId, limit } }),
  },
  usage: {
    daily: (c: Caller, from: Date) =>
      get(c, UsageResponseSchema, '/v1/usage', {
        ...scoped,
        query: { granularity: 'day', from: from.toISOString() },
      }),
  },
};

/** One relayed upload request (a tus PATCH of one chunk) may take long on a slow uplink. */
const UPLOAD_TIMEOUT_MS = 60 * 60 * 1000;

/** The tus protocol's request headers a resumable upload's requests carry to the api. */
const TUS_REQUEST_HEADERS = [
  'tus-resumable',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-defer-length',
  'content-type',
  'content-length',
] as const;
/** What the api answers that the browser's tus client reads (and Asset-Id on the last PATCH). */
const TUS_RESPONSE_HEADERS = [
  'tus-resumable',
  'tus-version',
  'tus-extension',
  'tus-max-size',
  'upload-offset',
  'upload-length',
  'upload-expires',
  'asset-id',
  'cache-control',
] as const;
/** Upload ids as the api makes them (tenant id, a dot, hex); anything else is not relayed. */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,80}\.[0-9a-f]{32}$/;

/**
 * One request of a browser's resumable upload, relayed to the api's tus endpoint as the caller, its
 * body streamed through (never buffered here). Answers the api's status, its tus headers, the upload
 * id its Location names (for the route to turn into its own URL) and its error text.
 */
async function relayResumable(
  caller: Caller,
  method: string,
  uploadId: string | null,
  incoming: Headers,
  body: ReadableStream<Uint8Array> | null,
): Promise<{ status: number; headers: Record<string, string>; uploadId: string | null; text: string }> {
  if (uploadId !== null && !UPLOAD_ID.test(uploadId))
    return { status: 404, headers: {}, uploadId: null, text: 'upload not found' };
  const headers: Record<string, string> = {};
  for (const name of TUS_REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) headers[name] = value;
  }
  if (caller.session) headers.cookie = `${SESSION_COOKIE}=${caller.session}`;
  if (caller.tenantId) headers[TENANT_HEADER] = caller.tenantId;
  if (config.API_PROXY_SECRET) headers['x-tributary-proxy-secret'] = config.API_PROXY_SECRET;
  const path =
    uploadId === null ? '/v1/assets/uploads' : `/v1/assets/uploads/${encodeURIComponent(uploadId)}`;
  let response: Response;
  try {
    response = await fetch(new URL(path, config.API_URL), {
      method,
      headers,
      ...(body && method === 'PATCH' ? { body, duplex: 'half' } : {}),
      cache: 'no-store',
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    } as RequestInit);
  } catch {
    return {
      status: 503,
      headers: {},
      uploadId: null,
      text: 'The control plane is unreachable. Try again in a moment.',
    };
  }
  const out: Record<string, string> = {};
  for (const name of TUS_RESPONSE_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) out[name] = value;
  }
  const location = response.headers.get('location');
  const created = location ? (location.split('/').pop() ?? null) : null;
  const text = await response.text();
  const envelope = ErrorEnvelopeSchema.safeParse(safeJson(text));
  return {
    status: response.status,
    headers: out,
    uploadId: created && UPLOAD_ID.test(created) ? created : null,
    text: envelope.success ? envelope.data.error.message : text.trim(),
  };
}
