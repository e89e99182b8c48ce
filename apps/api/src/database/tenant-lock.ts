import { AppError } from '../common/errors';
import type { Prisma } from '../generated/prisma/client';

/**
 * Serialises the writes of one tenant that must see each other: a quota's count and the create it
 * allows, membership changes (two owners demoting each other), a usage alert's count and first
 * evaluation. The transaction locks the tenant's row, so the second waits and then sees the first's
 * result. The lock is FOR NO KEY UPDATE, not FOR UPDATE: it conflicts with itself, but not with the
 * KEY SHARE lock every insert of a row that references the tenant takes for its foreign key. With
 * FOR UPDATE, a transaction holding another row (a usage period) and then inserting under the tenant
 * deadlocked with one that held the tenant and then wanted that row (Postgres 40P01).
 * Answers 404 when the tenant does not exist.
 */
export async function lockTenantRow(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "tenants" WHERE "id" = ${tenantId} FOR NO KEY UPDATE`;
  if (rows.length === 0) throw AppError.notFound('tenant');
}
