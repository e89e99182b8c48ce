import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { AppError, ErrorCode } from '../common/errors';
import { currentContext } from '../common/request-context';
import { PrismaClient } from '../generated/prisma/client';
import { TenantConfinedPool } from './tenant-pool';

/**
 * Models owned by a tenant: every query through the scoped client is confined
 * to the request's tenant here, and nowhere else in the application. Reads,
 * updates and deletes get `tenantId` added to their filter, so another tenant's
 * row is simply not found (404, never 403); creates get it set, so a body can
 * never choose it.
 */
export const TENANT_OWNED_MODELS = [
  'ApiKey',
  'LiveStream',
  'LiveEvent',
  'SigningKey',
  'IngestSession',
  'UsageHour',
  'Asset',
  'PublishCredential',
  'UsageAlert',
  'UsagePeriod',
  'UsageAlertFiring',
  'WebhookEndpoint',
  'WebhookEvent',
  'WebhookDelivery',
  'Invitation',
] as const;
const tenantOwned = new Set<string>(TENANT_OWNED_MODELS);

/**
 * The Postgres role every tenant-scoped statement runs as (created by the
 * migration 20261206000300_row_level_security): no login, not a superuser, no
 * BYPASSRLS, owner of nothing, privileges on the tenant-owned tables only. Row
 * level security confines it to the rows whose "tenantId" equals the
 * transaction's `app.tenant_id`, so a raw query or a forgotten filter still
 * cannot reach another tenant's rows; with no tenant set it sees nothing.
 */
export const TENANT_ROLE = 'tributary_tenant';
/** The transaction-local setting the row-level security policies compare "tenantId" with. */
export const TENANT_SETTING = 'app.tenant_id';

const FILTERED_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
]);

function requireTenantId(): string {
  const tenantId = currentContext()?.tenantId;
  // A programming error (a tenant route without a tenant): deny rather than leak.
  if (!tenantId) throw new AppError(ErrorCode.internal, 'tenant-scoped query outside a tenant request');
  return tenantId;
}

type Args = Record<string, unknown> & { where?: object; data?: unknown; create?: object };

/** The tenant filter: `tenantId` added to every filter and set on every create. */
function filterToTenant(model: string, operation: string, args: unknown, tenantId: string): unknown {
  if (!tenantOwned.has(model)) {
    throw new AppError(ErrorCode.internal, `model ${model} is not tenant-owned; use db.unscoped()`);
  }
  const a = { ...(args as Args) };
  if (FILTERED_OPERATIONS.has(operation)) {
    a.where = { ...(a.where ?? {}), tenantId };
  } else if (operation === 'create') {
    a.data = { ...(a.data as object), tenantId };
  } else if (operation === 'createMany' || operation === 'createManyAndReturn') {
    const rows = Array.isArray(a.data) ? a.data : [a.data];
    a.data = rows.map((row) => ({ ...(row as object), tenantId }));
  } else if (operation === 'upsert') {
    a.where = { ...(a.where ?? {}), tenantId };
    a.create = { ...(a.create ?? {}), tenantId };
  } else {
    throw new AppError(
      ErrorCode.internal,
      `operation ${operation} is not supported on the tenant-scoped client`,
    );
  }
  return a;
}

/**
 * A Prisma client whose every statement is confined to the current request's
 * tenant by the connection it runs on (database/tenant-pool.ts): each one in a
 * short transaction as TENANT_ROLE with TENANT_SETTING set, transaction-local,
 * so nothing outlives it on the pooled connection. It shares `pool` with the
 * unscoped client. Outside a tenant request no statement runs.
 */
export function tenantConfinedPrisma(pool: Pool): PrismaClient {
  const confined = new TenantConfinedPool(pool, TENANT_ROLE, TENANT_SETTING, requireTenantId);
  return new PrismaClient({ adapter: new PrismaPg(confined) });
}

/** `findUnique` → `findFirst` (same argument shape for single-field keys, same result). */
const NOT_BATCHED: Record<string, 'findFirst' | 'findFirstOrThrow'> = {
  findUnique: 'findFirst',
  findUniqueOrThrow: 'findFirstOrThrow',
};

type Delegate = Record<string, (args: unknown) => Promise<unknown>>;

/**
 * Builds the tenant-scoped client on a client from tenantConfinedPrisma.
 * `filter: false` leaves out the Prisma filter and keeps only the database's
 * confinement (tests use it to prove that row-level security holds on its own).
 */
function tenantClient(confined: PrismaClient, opts: { filter: boolean }) {
  return confined
    .$extends({
      name: 'tenant-scope',
      query: {
        async $allOperations({ model, operation, args, query }) {
          const tenantId = requireTenantId();
          if (!model) return query(args);
          const scopedArgs = opts.filter ? filterToTenant(model, operation, args, tenantId) : args;
          const instead = NOT_BATCHED[operation];
          if (instead) {
            // Prisma merges the findUnique calls made in one tick into one statement, run in the async
            // context of the first caller: another request's, perhaps another tenant's. findFirst is
            // never merged, so each statement is confined to its own caller's tenant.
            const delegate = (confined as unknown as Record<string, Delegate>)[
              model.charAt(0).toLowerCase() + model.slice(1)
            ];
            if (!delegate) throw new AppError(ErrorCode.internal, `no delegate for model ${model}`);
            return delegate[instead]?.(scopedArgs);
          }
          return query(scopedArgs);
        },
      },
    })
    .$extends({
      name: 'tenant-scope-no-transactions',
      client: {
        /**
         * An interactive transaction would hold the pool connection (the embedded
         * pool has one) across operations; each operation is its own transaction.
         */
        $transaction(..._args: unknown[]): never {
          throw new AppError(
            ErrorCode.internal,
            'transactions are not available on the tenant-scoped client: each operation runs in its own',
          );
        },
      },
    });
}

/** The client services use (db.tenant()): the Prisma tenant filter on a tenant-confined client. */
export function scopeToTenant(confined: PrismaClient) {
  return tenantClient(confined, { filter: true });
}

/** Only the database's half of the confinement (row-level security under TENANT_ROLE), without the Prisma filter. */
export function confineByRowLevelSecurity(confined: PrismaClient) {
  return tenantClient(confined, { filter: false });
}

export type TenantClient = ReturnType<typeof scopeToTenant>;

/**
 * Create payloads name the request's tenant explicitly for the type checker;
 * the extension above sets the same value again, so no caller can choose another.
 */
export function ownedByCurrentTenant<T extends object>(data: T): T & { tenantId: string } {
  return { ...data, tenantId: requireTenantId() };
}
