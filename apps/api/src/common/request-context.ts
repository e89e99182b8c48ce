import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@tributary/service-kit';

/** Who made the request, as the global AuthGuard resolved it. */
export type Principal =
  | { kind: 'apiKey'; apiKeyId: string; tenantId: string; scopes: ReadonlySet<'read' | 'write'> }
  | { kind: 'user'; userId: string; isOperator: boolean; sessionId: string }
  | { kind: 'edge'; edgeId: string };

export interface RequestContext {
  requestId: string;
  logger: Logger;
  principal?: Principal;
  /** The tenant every tenant-scoped query of this request is confined to. */
  tenantId?: string;
}

/**
 * One store per HTTP request (set by RequestContextMiddleware). Tenant scoping
 * reads it at query time (database/tenant-scope.ts), so services never pass
 * tenant ids around and cannot forget them.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentContext(): RequestContext | undefined {
  return requestContext.getStore();
}

/** The principal the guard resolved, of the kind the route's @Access rule guarantees. */
export function principalOf<K extends Principal['kind']>(kind: K): Extract<Principal, { kind: K }> {
  const p = currentContext()?.principal;
  if (p?.kind !== kind) throw new Error(`route expects a ${kind} principal`);
  return p as Extract<Principal, { kind: K }>;
}
