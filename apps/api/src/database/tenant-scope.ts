import { AppError, ErrorCode } from '../common/errors';
import { currentContext } from '../common/request-context';
import type { PrismaClient } from '../generated/prisma/client';

/**
 * Models owned by a tenant: every query through the scoped client is confined
 * to the request's tenant here, and nowhere else (STYLE.md 18). Reads, updates
 * and deletes get `tenantId` added to their filter, so another tenant's row is
 * simply not found (404, never 403); creates get it set, so a body can never
 * choose it.
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

export function scopeToTenant(prisma: PrismaClient) {
  return prisma.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          if (!tenantOwned.has(model)) {
            throw new AppError(ErrorCode.internal, `model ${model} is not tenant-owned; use db.unscoped()`);
          }
          const tenantId = requireTenantId();
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
          return query(a as typeof args);
        },
      },
    },
  });
}

export type TenantClient = ReturnType<typeof scopeToTenant>;

/**
 * Create payloads name the request's tenant explicitly for the type checker;
 * the extension above sets the same value again, so no caller can choose another.
 */
export function ownedByCurrentTenant<T extends object>(data: T): T & { tenantId: string } {
  return { ...data, tenantId: requireTenantId() };
}
