import type { z } from 'zod';

/**
 * One REST route, declared once (issue 15: one route table). The api binds its handlers to these
 * declarations, the OpenAPI document is built from them, and `@tributary/sdk` derives its typed
 * client from them, so a path, a schema or a status code is written in exactly one place.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/**
 * Who may call a route (the api's AuthGuard enforces it):
 *  - public:       anyone (health, login, docs, accepting an invitation)
 *  - user:         any signed-in dashboard user
 *  - operator:     a signed-in platform operator
 *  - edge:         a registered edge (Authorization: Bearer <edge credential>)
 *  - tenant:read / tenant:write: an API key of the tenant with that scope, or a member
 *    (owner/admin write, member read) or operator naming the tenant in X-Tenant-Id
 */
export const ROUTE_ACCESS = ['public', 'user', 'operator', 'edge', 'tenant:read', 'tenant:write'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

/**
 * What travels in the request and response bodies. `json` (the default) is validated by the
 * schemas below; the others are carried as they are by the api and as raw `Response`s by the SDK.
 */
export type RouteBody = 'json' | 'multipart' | 'tus' | 'binary' | 'xml' | 'text' | 'redirect' | 'stream';

export interface RouteDef {
  method: HttpMethod;
  /** From the root, with `{name}` placeholders for path parameters: `/v1/live-streams/{id}`. */
  path: `/${string}`;
  /** One line for the OpenAPI document and the SDK's doc comment. */
  summary: string;
  /** The OpenAPI tag (the section it is listed under). */
  tag: string;
  access: RouteAccess;
  /** Query parameters (a zod object); absent: none accepted. */
  query?: z.ZodType;
  /** The JSON request body; absent: none. */
  body?: z.ZodType;
  /** The success body; absent: no content. */
  response?: z.ZodType;
  /**
   * The success status (206: one byte range; 405 only for a protocol route that exists to refuse a
   * method, the tus upload's GET).
   */
  status: 200 | 201 | 202 | 204 | 206 | 302 | 405;
  /** Accepts Idempotency-Key (creating POSTs). */
  idempotent?: boolean;
  /** Request body kind when it is not JSON. */
  requestBody?: RouteBody;
  /** Response body kind when it is not JSON. */
  responseBody?: RouteBody;
  /** Left out of the OpenAPI document and the SDK (a protocol endpoint with its own clients, e.g. tus). */
  internal?: boolean;
}

/** Declares a route keeping its literal types (the SDK infers paths, params and bodies from them). */
export function route<const R extends RouteDef>(def: R): R {
  return def;
}

/** The `{name}` placeholders of a path, as an object type: `/a/{id}/b/{x}` → `{ id: string; x: string }`. */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? { [key in K]: string } & PathParams<Rest>
  : unknown;

/** The placeholder names of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1] as string);
}

/** Fills a path's placeholders, each URL-encoded; a missing one throws (never a literal `{id}` sent). */
export function fillPath(path: string, params: Record<string, string | undefined>): string {
  return path.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new TypeError(`path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
}

/** The same path in Express/Nest form: `/v1/live-streams/{id}` → `/v1/live-streams/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, ':$1');
}

/** A group of routes (one resource), and the whole table: `routes.liveStreams.list`. */
export type RouteGroup = Record<string, RouteDef>;
export type RouteTable = Record<string, RouteGroup>;
