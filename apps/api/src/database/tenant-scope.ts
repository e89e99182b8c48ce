import { AppError, ErrorCode } from '../common/errors';
import { currentContext } from '../common/request-context';
import type { PrismaClient } from '../generated/prisma/client';

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
 * Builds the tenant-scoped client. Every operation, raw SQL included, runs in
 * its own short transaction that first switches to TENANT_ROLE and sets the
 * tenant, both transaction-local (`SET LOCAL` semantics), so nothing outlives
 * the transaction on the pooled connection. Per operation, not per connection
 * or per request: Prisma may merge concurrent `findUnique` calls of different
 * requests into one statement outside a transaction, and a request-long
 * transaction would hold the embedded database's only connection while the
 * same request's unscoped queries wait for it. `filter: false` leaves out the
 * Prisma filter and keeps only the database's confinement (tests use it to
 * prove that row-level security holds on its own).
 */
function tenantClient(prisma: PrismaClient, opts: { filter: boolean }) {
  return prisma
    .$extends({
      name: 'tenant-scope',
      query: {
        async $allOperations({ model, operation, args, query }) {
          const tenantId = requireTenantId();
          const scopedArgs = model && opts.filter ? filterToTenant(model, operation, args, tenantId) : args;
          // One batch transaction, two statements: the confinement, then the query itself.
          const [, result] = await prisma.$transaction([
            prisma.$executeRaw`SELECT set_config('role', ${TENANT_ROLE}, true), set_config(${TENANT_SETTING}, ${tenantId}, true)`,
            query(scopedArgs),
          ]);
          return result;
        },
      },
    })
    .$extends({
      name: 'tenant-scope-no-transactions',
      client: {
        /**
         * Each operation is already its own transaction; an interactive one around
         * them would need a second pool connection (the embedded pool has one).
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

export function scopeToTenant(prisma: PrismaClient) {
  return tenantClient(prisma, { filter: true });
}

/** Only the database's half of the confinement (row-level security under TENANT_ROLE), without the Prisma filter. */
export function confineByRowLevelSecurity(prisma: PrismaClient) {
  return tenantClient(prisma, { filter: false });
}

export type TenantClient = ReturnType<typeof scopeToTenant>;

/**
 * Create payloads name the request's tenant explicitly for the type checker;
 * the extension above sets the same value again, so no caller can choose another.
 */
export function ownedByCurrentTenant<T extends object>(data: T): T & { tenantId: string } {
  return { ...data, tenantId: requireTenantId() };
}
