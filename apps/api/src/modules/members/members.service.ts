import { Inject, Injectable } from '@nestjs/common';
import type { Member, MemberRole } from '@tributary/contracts';
import { AppError, ErrorCode } from '../../common/errors';
import type { ListQuery } from '../../common/http/pagination';
import { currentContext } from '../../common/request-context';
import { Database } from '../../database/database';
import { lockTenantRow } from '../../database/tenant-lock';
import type { Prisma } from '../../generated/prisma/client';
import { type Actor, type Decision, decide, type MemberAction, mayList } from './member-policy';

type MembershipWithUser = {
  userId: string;
  role: MemberRole;
  createdAt: Date;
  user: { email: string; name: string };
};

export function toMember(row: MembershipWithUser): Member {
  return {
    userId: row.userId,
    email: row.user.email,
    name: row.user.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Throws the policy's refusal as the api's error (403 forbidden, or 409 conflict for the last owner). */
export function enforce(decision: Decision): void {
  if (decision.allowed) return;
  throw new AppError(
    decision.code === 'conflict' ? ErrorCode.conflict : ErrorCode.forbidden,
    decision.reason,
  );
}

/** The tenant of this request (the guard resolved it from the API key, X-Tenant-Id or the only membership). */
export function requestTenantId(): string {
  const tenantId = currentContext()?.tenantId;
  if (!tenantId) throw new AppError(ErrorCode.internal, 'member administration outside a tenant request');
  return tenantId;
}

export function countOwners(tx: Prisma.TransactionClient, tenantId: string): Promise<number> {
  return tx.membership.count({ where: { tenantId, role: 'owner' } });
}

/**
 * Members of the request's tenant. Memberships join users, which the tenant-confined database
 * role may not read (row-level security keeps it to tenant-owned tables), so these queries are
 * unscoped and name the request's tenant explicitly in every filter.
 */
@Injectable()
export class MembersService {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Who is acting, as the member policy sees them (an operator acts as an owner). */
  async actor(tx?: Prisma.TransactionClient): Promise<Actor> {
    const principal = currentContext()?.principal;
    if (!principal || principal.kind === 'edge')
      throw new AppError(ErrorCode.forbidden, 'not a tenant caller');
    if (principal.kind === 'apiKey') return { kind: 'apiKey' };
    if (principal.isOperator) return { kind: 'operator' };
    const db = tx ?? this.db.unscoped('member policy: the caller role');
    const own = await db.membership.findFirst({
      where: { tenantId: requestTenantId(), userId: principal.userId },
    });
    if (!own) throw AppError.notFound('tenant');
    return { kind: 'member', userId: principal.userId, role: own.role };
  }

  async list(q: ListQuery) {
    enforce(mayList(await this.actor()));
    const tenantId = requestTenantId();
    const rows = await this.db.unscoped('tenant member listing').membership.findMany({
      where: { tenantId },
      include: { user: { select: { email: true, name: true } } },
      take: q.limit + 1,
      orderBy: [{ createdAt: 'desc' }, { userId: 'desc' }],
      ...(q.cursor ? { cursor: { userId_tenantId: { userId: q.cursor, tenantId } }, skip: 1 } : {}),
    });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    return { data: page.map(toMember), nextCursor: more ? (page[page.length - 1]?.userId ?? null) : null };
  }

  async changeRole(userId: string, role: MemberRole): Promise<Member> {
    const tenantId = requestTenantId();
    return this.db.unscoped('tenant member administration').$transaction(async (tx) => {
      await lockTenantRow(tx, tenantId);
      const target = await this.target(tx, tenantId, userId);
      await this.apply(tx, tenantId, { kind: 'changeRole', target, to: role });
      const row = await tx.membership.update({
        where: { userId_tenantId: { userId, tenantId } },
        data: { role },
        include: { user: { select: { email: true, name: true } } },
      });
      return toMember(row);
    });
  }

  /** Removes `userId` from the request's tenant (an owner or admin removing someone, or anyone themself). */
  async remove(userId: string): Promise<void> {
    await this.removeFrom(requestTenantId(), userId, await this.actor());
  }

  /** The signed-in user leaves `tenantId` (DELETE /v1/account/memberships/{tenantId}). */
  async leave(tenantId: string, userId: string): Promise<void> {
    const own = await this.db
      .unscoped('leaving a tenant')
      .membership.findFirst({ where: { tenantId, userId } });
    if (!own) throw AppError.notFound('membership');
    await this.removeFrom(tenantId, userId, { kind: 'member', userId, role: own.role });
  }

  private async removeFrom(tenantId: string, userId: string, actor: Actor): Promise<void> {
    await this.db.unscoped('tenant member administration').$transaction(async (tx) => {
      await lockTenantRow(tx, tenantId);
      const target = await this.target(tx, tenantId, userId);
      // The actor's role is read again under the lock (it may have changed meanwhile).
      const current = actor.kind === 'member' ? await this.reread(tx, tenantId, actor) : actor;
      enforce(decide(current, { kind: 'remove', target }, await countOwners(tx, tenantId)));
      await tx.membership.delete({ where: { userId_tenantId: { userId, tenantId } } });
    });
  }

  private async apply(tx: Prisma.TransactionClient, tenantId: string, action: MemberAction): Promise<void> {
    const actor = await this.actor(tx);
    enforce(decide(actor, action, await countOwners(tx, tenantId)));
  }

  private async reread(
    tx: Prisma.TransactionClient,
    tenantId: string,
    actor: Extract<Actor, { kind: 'member' }>,
  ): Promise<Actor> {
    const row = await tx.membership.findFirst({ where: { tenantId, userId: actor.userId } });
    if (!row) throw AppError.notFound('membership');
    return { ...actor, role: row.role };
  }

  private async target(tx: Prisma.TransactionClient, tenantId: string, userId: string) {
    const row = await tx.membership.findFirst({ where: { tenantId, userId } });
    if (!row) throw AppError.notFound('member');
    return { userId: row.userId, role: row.role };
  }
}
