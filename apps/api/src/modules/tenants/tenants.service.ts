import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateTenantInputSchema,
  CreateUserInputSchema,
  Tenant,
  UpdateTenantInputSchema,
  User,
} from '@tributary/contracts';
import type { z } from 'zod';
import { hashPassword } from '../../common/auth/passwords';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import { Database } from '../../database/database';
import type { Tenant as TenantRow } from '../../generated/prisma/client';
import { toUser } from '../auth/auth.service';
import { ControlFeed } from '../control-feed/control-feed.service';

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    maxLiveStreams: row.maxLiveStreams,
    maxViewers: row.maxViewers,
    quotaSigningKeys: row.quotaSigningKeys,
    quotaApiKeys: row.quotaApiKeys,
    quotaLiveStreams: row.quotaLiveStreams,
    quotaLiveEvents: row.quotaLiveEvents,
    quotaAssets: row.quotaAssets,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Operators' tenant administration: crosses tenants by definition, hence unscoped. */
@Injectable()
export class TenantsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ControlFeed) private readonly feed: ControlFeed,
  ) {}

  private get tenants() {
    return this.db.unscoped('operator tenant administration').tenant;
  }

  async list(q: ListQuery) {
    return toPage(await this.tenants.findMany(pageArgs(q)), q, toTenant);
  }

  async get(id: string): Promise<Tenant> {
    const row = await this.tenants.findUnique({ where: { id } });
    if (!row) throw AppError.notFound('tenant');
    return toTenant(row);
  }

  async create(input: z.infer<typeof CreateTenantInputSchema>): Promise<Tenant> {
    return toTenant(await this.tenants.create({ data: { id: newId(IdPrefix.tenant), ...input } }));
  }

  /**
   * A change of status commits with its control-feed event: suspending cuts the tenant's publishers
   * and viewers on every edge within seconds (and its API keys stop working, common/auth).
   */
  async update(id: string, input: z.infer<typeof UpdateTenantInputSchema>): Promise<Tenant> {
    await this.get(id);
    // Written whenever a status is set (also unchanged): edges apply it idempotently, and no read can race it.
    const changesStatus = input.status !== undefined;
    const row = await this.db.unscoped('operator tenant administration').$transaction(async (tx) => {
      const updated = await tx.tenant.update({ where: { id }, data: input });
      if (changesStatus)
        await this.feed.append(tx, {
          kind: updated.status === 'suspended' ? 'tenant_suspended' : 'tenant_reactivated',
          tenantId: id,
        });
      return updated;
    });
    if (changesStatus) this.feed.committed();
    return toTenant(row);
  }

  async listUsers(tenantId: string, q: ListQuery) {
    await this.get(tenantId);
    const rows = await this.db.unscoped('operator member listing').user.findMany({
      ...pageArgs(q),
      where: { memberships: { some: { tenantId } } },
      include: { memberships: { include: { tenant: true } } },
    });
    return toPage(rows, q, toUser);
  }

  async createUser(tenantId: string, input: z.infer<typeof CreateUserInputSchema>): Promise<User> {
    await this.get(tenantId);
    const users = this.db.unscoped('operator member creation').user;
    if (await users.findUnique({ where: { email: input.email } })) {
      throw new AppError(ErrorCode.conflict, 'a user with this e-mail already exists', [
        { field: 'email', message: 'already in use' },
      ]);
    }
    const row = await users.create({
      data: {
        id: newId(IdPrefix.user),
        email: input.email,
        name: input.name,
        passwordHash: await hashPassword(input.password),
        memberships: { create: { tenantId, role: input.role } },
      },
      include: { memberships: { include: { tenant: true } } },
    });
    return toUser(row);
  }
}
