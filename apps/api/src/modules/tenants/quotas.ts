import { AppError, ErrorCode } from '../../common/errors';
import { currentContext } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import type { Database } from '../../database/database';
import { lockTenantRow } from '../../database/tenant-lock';
import type { Prisma } from '../../generated/prisma/client';

/**
 * Per-tenant caps on how many objects a tenant may hold, so one tenant cannot
 * fill a table or grow what every edge downloads (the playback keys) for all.
 * Only active objects count: revoked keys, deleted streams and ended or
 * cancelled events free their slot.
 */
export type QuotaResource = 'signingKeys' | 'apiKeys' | 'liveStreams' | 'liveEvents' | 'assets';

const LABEL: Record<QuotaResource, string> = {
  signingKeys: 'signing keys',
  apiKeys: 'API keys',
  liveStreams: 'live streams',
  liveEvents: 'scheduled or live events',
  assets: 'assets',
};

const HINT: Record<QuotaResource, string> = {
  signingKeys: 'revoke unused ones',
  apiKeys: 'revoke unused ones',
  liveStreams: 'delete unused ones',
  liveEvents: 'end or cancel old ones',
  assets: 'delete unused ones',
};

/** The tenant's own cap for each resource (tenants.quota*), null for the platform default. */
interface TenantQuotas {
  quotaSigningKeys: number | null;
  quotaApiKeys: number | null;
  quotaLiveStreams: number | null;
  quotaLiveEvents: number | null;
  quotaAssets: number | null;
}

const OVERRIDE: Record<QuotaResource, keyof TenantQuotas> = {
  signingKeys: 'quotaSigningKeys',
  apiKeys: 'quotaApiKeys',
  liveStreams: 'quotaLiveStreams',
  liveEvents: 'quotaLiveEvents',
  assets: 'quotaAssets',
};

/** The platform default for a resource (TENANT_MAX_*), which a tenant's own quota replaces. */
export function quotaLimit(config: ApiConfig, resource: QuotaResource): number {
  switch (resource) {
    case 'signingKeys':
      return config.TENANT_MAX_SIGNING_KEYS;
    case 'apiKeys':
      return config.TENANT_MAX_API_KEYS;
    case 'liveStreams':
      return config.TENANT_MAX_LIVE_STREAMS;
    case 'liveEvents':
      return config.TENANT_MAX_LIVE_EVENTS;
    case 'assets':
      return config.TENANT_MAX_ASSETS;
  }
}

async function countActive(tx: Prisma.TransactionClient, resource: QuotaResource, tenantId: string) {
  switch (resource) {
    case 'signingKeys':
      return tx.signingKey.count({ where: { tenantId, revokedAt: null } });
    case 'apiKeys':
      return tx.apiKey.count({ where: { tenantId, revokedAt: null } });
    case 'liveStreams':
      return tx.liveStream.count({ where: { tenantId } });
    case 'liveEvents':
      return tx.liveEvent.count({ where: { tenantId, state: { in: ['scheduled', 'live'] } } });
    case 'assets':
      return tx.asset.count({ where: { tenantId } });
  }
}

/**
 * Runs `create` in a transaction that first locks the tenant's row, then counts
 * the tenant's active objects: two concurrent creates for the last slot queue on
 * the lock, so the second counts the first's row and is refused. `create` must
 * write through `tx` (and set tenantId itself) so its row is inside the lock.
 * The limit is the tenant's own quota (tenants.quota*, set by operators) or else
 * the platform default. Refusal: 422 quota_exceeded, details naming the
 * resource, the limit and the count.
 */
export async function withinQuota<T>(
  db: Database,
  config: ApiConfig,
  resource: QuotaResource,
  create: (tx: Prisma.TransactionClient, tenantId: string) => Promise<T>,
  /** The request's tenant unless given (an edge acting for a tenant: recordings). */
  forTenant?: string,
): Promise<T> {
  const tenantId = forTenant ?? currentContext()?.tenantId;
  if (!tenantId) throw new AppError(ErrorCode.internal, 'quota check outside a tenant request');
  return db.unscoped('tenant quota').$transaction(async (tx) => {
    await lockTenantRow(tx, tenantId);
    const quotas: TenantQuotas | null = await tx.tenant.findUnique({
      where: { id: tenantId },
      select: {
        quotaSigningKeys: true,
        quotaApiKeys: true,
        quotaLiveStreams: true,
        quotaLiveEvents: true,
        quotaAssets: true,
      },
    });
    if (!quotas) throw AppError.notFound('tenant');
    const limit = quotas[OVERRIDE[resource]] ?? quotaLimit(config, resource);
    const count = await countActive(tx, resource, tenantId);
    if (count >= limit) {
      throw new AppError(
        ErrorCode.quotaExceeded,
        `a tenant may have at most ${limit} ${LABEL[resource]}; ${HINT[resource]}`,
        [
          { field: 'resource', message: resource },
          { field: 'limit', message: String(limit) },
          { field: 'current', message: String(count) },
        ],
      );
    }
    return create(tx, tenantId);
  });
}
