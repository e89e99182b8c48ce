import 'server-only';
import {
  ErrorEnvelopeSchema,
  type RouteDef,
  type Routes,
  SESSION_COOKIE,
  TENANT_HEADER,
} from '@tributary/contracts';
import { type CallArgs, isTributaryError, paginate, SdkErrorCode, Tributary } from '@tributary/sdk';
import { config } from '../config';
import { ApiError } from './api-error';

/**
 * The dashboard's only door to the control plane: @tributary/sdk, the typed client derived from the route
 * table (packages/contracts/src/routes), created per caller with the caller's session cookie and tenant,
 * the proxy secret and the browser's IP. Every answer is validated against the contract by the SDK, so
 * drift between api and dashboard fails loudly here instead of deep in a page; its TributaryError becomes
 * the dashboard's ApiError. Server-only. The tus relay below stays raw (a protocol with its own client).
 */

/** Who is calling: the session cookie value and the tenant to act in (X-Tenant-Id). */
export type Caller = { session: string | null; tenantId: string | null };

/** Lists are read in pages of the largest size the api accepts (ListQuerySchema: max 100) unless a page asks for less. */
export const LIST_PAGE_SIZE = 100;
/**
 * Pickers and name lookups (a stream select, the tenant switcher) read a whole list, page after page, up
 * to this many rows: past it a picker is no use anyway, and one page view stays bounded work.
 */
export const CHOICES_LIMIT = 1000;

/** The first `limit` items of a list, in as many pages as that takes. */
async function firstItems<T>(items: AsyncIterable<T>, limit = CHOICES_LIMIT): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

/** The header in which the dashboard's server proves it is the dashboard (the api's TRUSTED_PROXY_SECRET). */
const PROXY_SECRET_HEADER = 'x-tributary-proxy-secret';
const anonymous: Caller = { session: null, tenantId: null };

/** Next must not cache control-plane answers: every call reads the api afresh. */
const noStore = (input: string, init: RequestInit) => fetch(input, { ...init, cache: 'no-store' });

/** The headers the dashboard sends on every call as `caller` (SDK option `headers`). */
function callerHeaders(
  caller: Caller,
  clientIp: string | null,
  userAgent: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (caller.session) headers.cookie = `${SESSION_COOKIE}=${caller.session}`;
  if (config.API_PROXY_SECRET) headers[PROXY_SECRET_HEADER] = config.API_PROXY_SECRET;
  // The browser's IP, for the api's sign-in limits, and its User-Agent, for the session list (both
  // believed there only with the proxy secret).
  if (clientIp) headers['x-forwarded-for'] = clientIp;
  if (userAgent) headers['x-forwarded-user-agent'] = userAgent;
  return headers;
}

function clientOptions(caller: Caller, clientIp: string | null, userAgent: string | null = null) {
  return {
    baseUrl: config.API_URL,
    headers: callerHeaders(caller, clientIp, userAgent),
    timeoutMs: config.API_TIMEOUT_MS,
    fetch: noStore,
    ...(caller.tenantId ? { tenantId: caller.tenantId } : {}),
  };
}

/** The SDK client acting as `caller` (X-Tenant-Id on the tenant routes only, as the SDK does). */
export function sdkFor(caller: Caller, clientIp: string | null = null): Tributary {
  return new Tributary(clientOptions(caller, clientIp));
}

/** The dashboard's ApiError for a failed SDK call: the api's envelope as it is, the SDK's own codes mapped. */
function toApiError(err: unknown): unknown {
  if (!isTributaryError(err)) return err;
  switch (err.code) {
    case SdkErrorCode.timeout:
      return new ApiError(
        503,
        'service_unavailable',
        'The control plane did not answer in time. Try again in a moment.',
      );
    case SdkErrorCode.networkError:
    case SdkErrorCode.aborted:
      return new ApiError(
        503,
        'service_unavailable',
        'The control plane is unreachable. Try again in a moment.',
      );
    case SdkErrorCode.invalidResponse:
      return new ApiError(err.status >= 400 ? err.status : 502, 'internal_error', err.message);
    case SdkErrorCode.invalidRequest:
    case SdkErrorCode.paginationLimit:
      return new ApiError(400, 'bad_request', err.message);
    default:
      return new ApiError(err.status, err.code, err.message, err.details);
  }
}

/** Runs one SDK call, rejecting with ApiError. */
export async function run<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toApiError(err);
  }
}

/** A route's request body, as the SDK types it (z.input of its schema). */
type Body<R extends RouteDef> = CallArgs<R> extends { body?: infer B } ? B : never;
type R = Routes;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const page = (cursor?: string, limit: number = LIST_PAGE_SIZE) => ({ limit, cursor });

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
    /** Signs in for the browser at `clientIp` with `userAgent` (kept with the session for its list). */
    async login(
      input: Body<R['auth']['login']>,
      clientIp: string | null = null,
      userAgent: string | null = null,
    ) {
      const { data: user, response } = await run(() =>
        new Tributary(clientOptions(anonymous, clientIp, userAgent)).auth.login.withResponse({ body: input }),
      );
      const session = sessionFromSetCookie(response);
      if (!session)
        throw new ApiError(502, 'internal_error', 'The api accepted the login but set no session cookie.');
      return { user, session };
    },
    logout: (c: Caller) => run(() => sdkFor(c).auth.logout()),
    me: (c: Caller) => run(() => sdkFor(c).auth.me()),
  },
  tenants: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).tenants.list({ query: page(cursor, limit) })),
    /** Every tenant up to CHOICES_LIMIT (the operator's tenant switcher). */
    choices: (c: Caller) => run(() => firstItems(paginate(sdkFor(c).tenants.list))),
    create: (c: Caller, body: Body<R['tenants']['create']>) => run(() => sdkFor(c).tenants.create({ body })),
    update: (c: Caller, tenantId: string, body: Body<R['tenants']['update']>) =>
      run(() => sdkFor(c).tenants.update({ id: tenantId, body })),
  },
  edges: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).edges.list({ query: page(cursor, limit) })),
    create: (c: Caller, body: Body<R['edges']['create']>) => run(() => sdkFor(c).edges.create({ body })),
    remove: (c: Caller, edgeId: string) => run(() => sdkFor(c).edges.delete({ id: edgeId })),
  },
  assets: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).assets.list({ query: page(cursor, limit) })),
    /** A live stream's recordings, newest first. */
    recordingsOf: (c: Caller, liveStreamId: string, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).assets.list({ query: { ...page(cursor, limit), liveStreamId } })),
    get: (c: Caller, assetId: string) => run(() => sdkFor(c).assets.get({ id: assetId })),
    remove: (c: Caller, assetId: string) => run(() => sdkFor(c).assets.delete({ id: assetId })),
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
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).apiKeys.list({ query: page(cursor, limit) })),
    create: (c: Caller, body: Body<R['apiKeys']['create']>) => run(() => sdkFor(c).apiKeys.create({ body })),
    revoke: (c: Caller, keyId: string) => run(() => sdkFor(c).apiKeys.revoke({ id: keyId })),
  },
  webhooks: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).webhooks.list({ query: page(cursor, limit) })),
    get: (c: Caller, hookId: string) => run(() => sdkFor(c).webhooks.get({ id: hookId })),
    create: (c: Caller, body: Body<R['webhooks']['create']>) =>
      run(() => sdkFor(c).webhooks.create({ body })),
    update: (c: Caller, hookId: string, body: Body<R['webhooks']['update']>) =>
      run(() => sdkFor(c).webhooks.update({ id: hookId, body })),
    remove: (c: Caller, hookId: string) => run(() => sdkFor(c).webhooks.delete({ id: hookId })),
    rotateSecret: (c: Caller, hookId: string) => run(() => sdkFor(c).webhooks.rotateSecret({ id: hookId })),
    deliveries: (c: Caller, hookId: string, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).webhooks.listDeliveries({ id: hookId, query: page(cursor, limit) })),
    redeliver: (c: Caller, hookId: string, deliveryId: string) =>
      run(() => sdkFor(c).webhooks.redeliver({ id: hookId, deliveryId })),
  },
  liveStreams: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).liveStreams.list({ query: page(cursor, limit) })),
    /** Every stream up to CHOICES_LIMIT (an event's stream picker, stream names beside events). */
    choices: (c: Caller) => run(() => firstItems(paginate(sdkFor(c).liveStreams.list))),
    get: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.get({ id: streamId })),
    create: (c: Caller, body: Body<R['liveStreams']['create']>) =>
      run(() => sdkFor(c).liveStreams.create({ body })),
    update: (c: Caller, streamId: string, body: Body<R['liveStreams']['update']>) =>
      run(() => sdkFor(c).liveStreams.update({ id: streamId, body })),
    remove: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.delete({ id: streamId })),
    streamKey: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.revealKey({ id: streamId })),
    rotateKey: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.rotateKey({ id: streamId })),
    disable: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.disable({ id: streamId })),
    enable: (c: Caller, streamId: string) => run(() => sdkFor(c).liveStreams.enable({ id: streamId })),
    /** The stream's authmod=adobe username (404 when publishing needs no credentials). */
    publishCredential: (c: Caller, streamId: string) =>
      run(() => sdkFor(c).liveStreams.getPublishCredential({ id: streamId })),
    setPublishCredential: (
      c: Caller,
      streamId: string,
      body: Body<R['liveStreams']['setPublishCredential']>,
    ) => run(() => sdkFor(c).liveStreams.setPublishCredential({ id: streamId, body })),
    removePublishCredential: (c: Caller, streamId: string) =>
      run(() => sdkFor(c).liveStreams.deletePublishCredential({ id: streamId })),
  },
  liveEvents: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).liveEvents.list({ query: page(cursor, limit) })),
    get: (c: Caller, eventId: string) => run(() => sdkFor(c).liveEvents.get({ id: eventId })),
    create: (c: Caller, body: Body<R['liveEvents']['create']>) =>
      run(() => sdkFor(c).liveEvents.create({ body })),
    update: (c: Caller, eventId: string, body: Body<R['liveEvents']['update']>) =>
      run(() => sdkFor(c).liveEvents.update({ id: eventId, body })),
    transition: (c: Caller, eventId: string, to: Body<R['liveEvents']['transition']>['to']) =>
      run(() => sdkFor(c).liveEvents.transition({ id: eventId, body: { to } })),
  },
  playbackTokens: {
    create: (c: Caller, body: Body<R['playbackTokens']['create']>) =>
      run(() => sdkFor(c).playbackTokens.create({ body })),
  },
  signingKeys: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).signingKeys.list({ query: page(cursor, limit) })),
    create: (c: Caller, body: Body<R['signingKeys']['create']>) =>
      run(() => sdkFor(c).signingKeys.create({ body })),
    revoke: (c: Caller, keyId: string) => run(() => sdkFor(c).signingKeys.revoke({ id: keyId })),
  },
  sessions: {
    /** One stream's ingest sessions, newest first, a page at a time. */
    list: (c: Caller, liveStreamId: string, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).sessions.list({ query: { ...page(cursor, limit), liveStreamId } })),
    /** The most recent ingest sessions of one stream, newest first. */
    recent: (c: Caller, liveStreamId: string, limit: number) =>
      run(() => sdkFor(c).sessions.list({ query: { liveStreamId, limit } })),
  },
  usage: {
    daily: (c: Caller, from: Date) =>
      run(() => sdkFor(c).usage.get({ query: { granularity: 'day', from: from.toISOString() } })),
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
  if (config.API_PROXY_SECRET) headers[PROXY_SECRET_HEADER] = config.API_PROXY_SECRET;
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
