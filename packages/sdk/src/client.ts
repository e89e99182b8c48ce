import {
  ErrorEnvelopeSchema,
  fillPath,
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REDACTED_HEADER,
  IDEMPOTENT_REPLAY_SECRET_FIELDS,
  type RouteAccess,
  type RouteDef,
  type RouteTable,
  TENANT_HEADER,
} from '@tributary/contracts';
import type { z } from 'zod';
import { SdkErrorCode, TributaryError } from './errors';
import { encodeQuery } from './query';
import { type CallOptions, type Client, type Endpoint } from './types';

export interface ClientOptions {
  /** Where the api is: `https://api.example.com` (a path prefix is kept: `https://example.com/tributary`). */
  baseUrl: string;
  /** An API key (`Authorization: Bearer …`). */
  apiKey?: string;
  /** Sent as X-Tenant-Id on tenant routes: a signed-in member or operator acting in one tenant. */
  tenantId?: string;
  /** Headers every request carries (a session cookie, a proxy's headers). */
  headers?: Record<string, string>;
  /** The fetch to use (default globalThis.fetch); called as a plain function. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** How long a call may take, answer body included (default 30 s). */
  timeoutMs?: number;
  /** A User-Agent for server-side callers (browsers keep their own). */
  userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Non-JSON answers are handed back as the Response itself, unread. */
const RAW_RESPONSES = new Set(['multipart', 'tus', 'binary', 'xml', 'text', 'redirect', 'stream']);
/** Request body kinds sent as given (FormData, Blob, a stream…), never JSON-encoded. */
const RAW_REQUESTS = new Set(['multipart', 'tus', 'binary', 'stream', 'text', 'xml']);
/** How many schema issues a contract-drift error quotes. */
const MAX_ISSUES_QUOTED = 3;

interface Context {
  readonly baseUrl: string;
  readonly options: ClientOptions;
  readonly fetch: NonNullable<ClientOptions['fetch']>;
  readonly timeoutMs: number;
}

function checkOptions(options: ClientOptions): Context {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new TypeError(`baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`baseUrl must be http(s), not ${url.protocol}`);
  if (url.search || url.hash) throw new TypeError('baseUrl may not carry a query or a fragment');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  return { baseUrl: url.href.replace(/\/+$/, ''), options, fetch: fetchImpl, timeoutMs };
}

type Args = CallOptions & {
  query?: Record<string, unknown>;
  body?: unknown;
  idempotencyKey?: string;
  [param: string]: unknown;
};

function requestHeaders(ctx: Context, def: RouteDef, args: Args, jsonBody: boolean): Record<string, string> {
  const { apiKey, tenantId, userAgent } = ctx.options;
  const headers: Record<string, string> = {};
  if (def.responseBody === undefined || def.responseBody === 'json') headers.accept = 'application/json';
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (tenantId && tenantScoped(def.access)) headers[TENANT_HEADER] = tenantId;
  if (userAgent) headers['user-agent'] = userAgent;
  if (jsonBody) headers['content-type'] = 'application/json';
  if (def.idempotent && args.idempotencyKey) headers[IDEMPOTENCY_HEADER] = args.idempotencyKey;
  return { ...headers, ...ctx.options.headers, ...args.headers };
}

function tenantScoped(access: RouteAccess): boolean {
  return access === 'tenant:read' || access === 'tenant:write';
}

function safeJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Runs one call of `def`: the parsed result (or the raw Response) and the Response. */
async function call(
  ctx: Context,
  def: RouteDef,
  name: string,
  rawArgs: Args | undefined,
): Promise<{ data: unknown; response: Response }> {
  const args: Args = rawArgs ?? {};
  const { signal, timeoutMs, headers: _h, query, body, idempotencyKey: _k, ...params } = args;
  const label = `${name} (${def.method} ${def.path})`;
  let url: string;
  try {
    const search = encodeQuery(query).toString();
    url = `${ctx.baseUrl}${fillPath(def.path, params as Record<string, string | undefined>)}${search ? `?${search}` : ''}`;
  } catch (err) {
    if (err instanceof TributaryError)
      throw new TributaryError({ ...err, message: `${label}: ${err.message}`, route: name });
    throw new TributaryError({
      status: 0,
      code: SdkErrorCode.invalidRequest,
      message: `${label}: ${(err as Error).message}`,
      route: name,
    });
  }
  const rawBody = def.requestBody !== undefined && RAW_REQUESTS.has(def.requestBody);
  const jsonBody = !rawBody && body !== undefined;
  const timeout = AbortSignal.timeout(timeoutMs ?? ctx.timeoutMs);
  const init: RequestInit & { duplex?: 'half' } = {
    method: def.method,
    headers: requestHeaders(ctx, def, args, jsonBody),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    ...(def.responseBody === 'redirect' ? { redirect: 'manual' as const } : {}),
  };
  if (jsonBody) init.body = JSON.stringify(body);
  else if (rawBody && body !== undefined) {
    init.body = body as RequestInit['body'];
    // A streamed request body must say so (fetch's half-duplex rule).
    if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) init.duplex = 'half';
  }

  const failed = (err: unknown): TributaryError => {
    if (err instanceof TributaryError) return err;
    if (timeout.aborted)
      return new TributaryError({
        status: 0,
        code: SdkErrorCode.timeout,
        message: `${label}: no answer within ${timeoutMs ?? ctx.timeoutMs} ms`,
        route: name,
        cause: err,
      });
    if (signal?.aborted)
      return new TributaryError({
        status: 0,
        code: SdkErrorCode.aborted,
        message: `${label}: aborted`,
        route: name,
        cause: err,
      });
    return new TributaryError({
      status: 0,
      code: SdkErrorCode.networkError,
      message: `${label}: the api could not be reached (${(err as Error)?.message ?? String(err)})`,
      route: name,
      cause: err,
    });
  };

  try {
    const response = await ctx.fetch(url, init);
    const redirected =
      def.responseBody === 'redirect' &&
      (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400));
    if (!response.ok && !redirected) throw await errorFrom(response, label, name);
    if (def.responseBody !== undefined && RAW_RESPONSES.has(def.responseBody))
      return { data: response, response };
    const text = await response.text();
    if (def.response === undefined) return { data: undefined, response };
    const json = text === '' ? { ok: false as const } : safeJson(text);
    if (!json.ok)
      throw new TributaryError({
        status: response.status,
        code: SdkErrorCode.invalidResponse,
        message: `${label} answered ${response.status} without a JSON body`,
        route: name,
      });
    const parsed = replaySchema(def.response, response).safeParse(json.value);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, MAX_ISSUES_QUOTED)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new TributaryError({
        status: response.status,
        code: SdkErrorCode.invalidResponse,
        message: `${label} answered outside its contract (${issues})`,
        route: name,
      });
    }
    return { data: parsed.data, response };
  } catch (err) {
    throw failed(err);
  }
}

/**
 * The schema a replayed answer is held to: the route's, its redacted secret fields (only those of
 * IDEMPOTENT_REPLAY_SECRET_FIELDS the header names) optional.
 */
function replaySchema(schema: z.ZodType, response: Response): z.ZodType {
  const named = (response.headers.get(IDEMPOTENT_REDACTED_HEADER) ?? '').split(',').map((f) => f.trim());
  const object = schema as {
    shape?: Record<string, unknown>;
    partial?: (mask: Record<string, true>) => z.ZodType;
  };
  const redacted = named.filter(
    (f) =>
      (IDEMPOTENT_REPLAY_SECRET_FIELDS as readonly string[]).includes(f) &&
      object.shape !== undefined &&
      f in object.shape,
  );
  const partial = object.partial;
  if (redacted.length === 0 || typeof partial !== 'function') return schema;
  return partial.call(schema, Object.fromEntries(redacted.map((f) => [f, true as const])));
}

/** The api's error envelope as a TributaryError (or `invalid_response` when the body is not one). */
async function errorFrom(response: Response, label: string, name: string): Promise<TributaryError> {
  const json = safeJson(await response.text());
  const envelope = json.ok ? ErrorEnvelopeSchema.safeParse(json.value) : undefined;
  if (envelope?.success) {
    const { code, message, details, requestId } = envelope.data.error;
    return new TributaryError({
      status: response.status,
      code,
      message,
      route: name,
      ...(details ? { details } : {}),
      ...(requestId ? { requestId } : {}),
    });
  }
  return new TributaryError({
    status: response.status,
    code: SdkErrorCode.invalidResponse,
    message: `${label} answered ${response.status} without an error envelope`,
    route: name,
  });
}

function endpoint(ctx: Context, def: RouteDef, name: string): Endpoint<RouteDef> {
  const withResponse = (args?: Args) => call(ctx, def, name, args);
  const fn = async (args?: Args) => (await withResponse(args)).data;
  return Object.assign(fn, { withResponse, route: def, routeName: name }) as unknown as Endpoint<RouteDef>;
}

/** Builds a client over `routes`, leaving out internal routes and those whose access is in `excludeAccess`. */
export function buildClient(
  routes: RouteTable,
  options: ClientOptions,
  excludeAccess: readonly RouteAccess[],
): Record<string, Record<string, Endpoint<RouteDef>>> {
  const ctx = checkOptions(options);
  const client: Record<string, Record<string, Endpoint<RouteDef>>> = {};
  for (const [groupName, group] of Object.entries(routes)) {
    const out: Record<string, Endpoint<RouteDef>> = {};
    for (const [routeName, def] of Object.entries(group)) {
      if (def.internal || excludeAccess.includes(def.access)) continue;
      out[routeName] = endpoint(ctx, def, `${groupName}.${routeName}`);
    }
    if (Object.keys(out).length > 0) client[groupName] = out;
  }
  return client;
}

/**
 * A typed client over any route table (contracts' `routes`, or a part of it): `client.group.route(args)`,
 * where args hold the path parameters, `query`, `body`, `idempotencyKey` and per-call options. Internal
 * routes are left out.
 */
export function createClient<const T extends RouteTable>(routes: T, options: ClientOptions): Client<T> {
  return buildClient(routes, options, []) as unknown as Client<T>;
}
