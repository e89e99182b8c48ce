import { Inject, Injectable } from '@nestjs/common';
import type {
  AcceptedInvitation,
  CreatedInvitation,
  Invitation,
  InvitationPreview,
  MemberRole,
} from '@tributary/contracts';
import { CONFIG } from '../../app.tokens';
import { CredentialPrefix } from '../../common/auth/credentials';
import { hashPassword } from '../../common/auth/passwords';
import { newSecret, sha256Hex } from '../../common/crypto/tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import { lockTenantRow } from '../../database/tenant-lock';
import type { Invitation as InvitationRow, Prisma } from '../../generated/prisma/client';
import { decide, mayList } from './member-policy';
import { enforce, MembersService, requestTenantId, toMember } from './members.service';

const HOUR_MS = 3_600_000;

/** Still usable: neither accepted nor revoked, and not expired. */
const pending = (now: Date) => ({ acceptedAt: null, revokedAt: null, expiresAt: { gt: now } });

const alreadyMember = () =>
  new AppError(ErrorCode.conflict, 'this e-mail address is already a member of the tenant', [
    { field: 'email', message: 'already a member' },
  ]);

/**
 * Invitations: a link carrying a secret token (only its sha256 is stored), created by an owner or
 * admin within the member policy, used once. Accepting claims the invitation with one conditional
 * UPDATE in the same transaction as the membership it creates, so two concurrent accepts of one
 * token give one membership and the other a clear "already used".
 */
@Injectable()
export class InvitationsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(MembersService) private readonly members: MembersService,
  ) {}

  async list(q: ListQuery) {
    enforce(mayList(await this.members.actor()));
    const rows = await this.db.tenant().invitation.findMany({ ...pageArgs(q), where: pending(new Date()) });
    const names = await this.inviterNames(rows);
    return toPage(rows, q, (row) => this.toInvitation(row, names));
  }

  async create(input: { email: string; role: MemberRole }): Promise<CreatedInvitation> {
    const tenantId = requestTenantId();
    const actor = await this.members.actor();
    enforce(decide(actor, { kind: 'invite', role: input.role }, 0));
    const principal = actor.kind === 'member' ? actor.userId : null;
    const token = newSecret(CredentialPrefix.invitation);
    const now = new Date();
    const row = await this.db.unscoped('tenant invitations').$transaction(async (tx) => {
      await lockTenantRow(tx, tenantId);
      const member = await tx.membership.findFirst({ where: { tenantId, user: { email: input.email } } });
      if (member) throw alreadyMember();
      // A new invitation to the same address replaces the pending one (its link stops working).
      await tx.invitation.updateMany({
        where: { tenantId, email: input.email, ...pending(now) },
        data: { revokedAt: now },
      });
      const open = await tx.invitation.count({ where: { tenantId, ...pending(now) } });
      const limit = this.config.TENANT_MAX_PENDING_INVITATIONS;
      if (open >= limit)
        throw new AppError(
          ErrorCode.quotaExceeded,
          `a tenant may have at most ${limit} pending invitations; revoke unused ones`,
          [
            { field: 'resource', message: 'invitations' },
            { field: 'limit', message: String(limit) },
            { field: 'current', message: String(open) },
          ],
        );
      return tx.invitation.create({
        data: {
          id: newId(IdPrefix.invitation),
          tenantId,
          email: input.email,
          role: input.role,
          tokenHash: sha256Hex(token),
          invitedById: principal,
          expiresAt: new Date(now.getTime() + this.config.INVITATION_TTL_HOURS * HOUR_MS),
        },
      });
    });
    const names = await this.inviterNames([row]);
    return { ...this.toInvitation(row, names), token, url: this.url(token) };
  }

  async revoke(id: string): Promise<void> {
    const actor = await this.members.actor();
    const row = await this.db.tenant().invitation.findFirst({ where: { id, ...pending(new Date()) } });
    if (!row) throw AppError.notFound('invitation');
    // Revoking is undoing an invite: allowed to whoever may invite that role.
    enforce(decide(actor, { kind: 'invite', role: row.role }, 0));
    await this.db
      .tenant()
      .invitation.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  async preview(token: string): Promise<InvitationPreview> {
    const row = await this.usable(this.db.unscoped('invitation preview'), token);
    const [tenant, account] = await Promise.all([
      this.db.unscoped('invitation preview').tenant.findUnique({ where: { id: row.tenantId } }),
      this.db.unscoped('invitation preview').user.findUnique({ where: { email: row.email } }),
    ]);
    if (!tenant) throw AppError.notFound('invitation');
    return {
      tenantName: tenant.name,
      email: row.email,
      role: row.role,
      expiresAt: row.expiresAt.toISOString(),
      accountExists: account !== null,
    };
  }

  /** Accepting with a new account: the user is created with the invited e-mail and becomes a member. */
  async acceptAsNewUser(input: {
    token: string;
    name: string;
    password: string;
  }): Promise<AcceptedInvitation> {
    const db = this.db.unscoped('invitation acceptance');
    const invitation = await this.usable(db, input.token);
    const accountExists = () =>
      new AppError(
        ErrorCode.conflict,
        'an account with this e-mail address exists: sign in and accept the invitation there',
        [{ field: 'email', message: 'already registered' }],
      );
    if (await db.user.findUnique({ where: { email: invitation.email } })) throw accountExists();
    // Hashed before the transaction: scrypt takes a while, and the tenant's lock is held briefly.
    const passwordHash = await hashPassword(input.password);
    return db
      .$transaction(async (tx) => {
        await lockTenantRow(tx, invitation.tenantId);
        const claimed = await this.claim(tx, input.token);
        const user = await tx.user.create({
          data: { id: newId(IdPrefix.user), email: claimed.email, name: input.name, passwordHash },
        });
        return this.join(tx, claimed, user.id);
      })
      .catch((err: unknown) => {
        // The e-mail's unique index: an account of the same address was created meanwhile.
        if ((err as { code?: string }).code === 'P2002') throw accountExists();
        throw err;
      });
  }

  /** Accepting as the signed-in user, whose e-mail must be the invited one. */
  async acceptAsUser(token: string, userId: string): Promise<AcceptedInvitation> {
    const db = this.db.unscoped('invitation acceptance');
    const [invitation, user] = await Promise.all([
      this.usable(db, token),
      db.user.findUnique({ where: { id: userId } }),
    ]);
    if (!user) throw new AppError(ErrorCode.unauthenticated, 'not signed in');
    if (user.email !== invitation.email)
      throw new AppError(
        ErrorCode.forbidden,
        `this invitation is for ${invitation.email}; sign in with that address to accept it`,
      );
    return db.$transaction(async (tx) => {
      await lockTenantRow(tx, invitation.tenantId);
      return this.join(tx, await this.claim(tx, token), userId);
    });
  }

  /** Consumes the invitation (one conditional UPDATE: of concurrent claims exactly one gets the row). */
  private async claim(tx: Prisma.TransactionClient, token: string): Promise<InvitationRow> {
    const rows = await tx.$queryRaw<InvitationRow[]>`
      UPDATE "invitations" SET "acceptedAt" = now()
      WHERE "tokenHash" = ${sha256Hex(token)} AND "acceptedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > now()
      RETURNING *`;
    const row = rows[0];
    if (row) return row;
    // Lost a race (or it changed since it was read): say why, as usable() would.
    await this.usable(tx, token);
    throw new AppError(ErrorCode.conflict, 'this invitation has already been used');
  }

  /** Makes `userId` a member as the claimed invitation says (the tenant is locked by the caller, before the claim). */
  private async join(
    tx: Prisma.TransactionClient,
    invitation: InvitationRow,
    userId: string,
  ): Promise<AcceptedInvitation> {
    const member = await tx.membership.findFirst({ where: { tenantId: invitation.tenantId, userId } });
    if (member) throw alreadyMember();
    await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedById: userId } });
    const row = await tx.membership.create({
      data: { tenantId: invitation.tenantId, userId, role: invitation.role },
      include: { user: { select: { email: true, name: true } }, tenant: { select: { name: true } } },
    });
    return { tenantId: invitation.tenantId, tenantName: row.tenant.name, member: toMember(row) };
  }

  /**
   * The invitation a token names, if it can still be used; otherwise a 404 that says why (the
   * holder of a real link learns it expired or was used; a guessed token learns nothing).
   */
  private async usable(
    db: Pick<Prisma.TransactionClient, 'invitation'>,
    token: string,
  ): Promise<InvitationRow> {
    const row = await db.invitation.findUnique({ where: { tokenHash: sha256Hex(token) } });
    if (!row) throw new AppError(ErrorCode.notFound, 'invitation not found: check the link');
    if (row.acceptedAt) throw new AppError(ErrorCode.notFound, 'this invitation has already been used');
    if (row.revokedAt)
      throw new AppError(ErrorCode.notFound, 'this invitation was revoked; ask for a new one');
    if (row.expiresAt <= new Date())
      throw new AppError(ErrorCode.notFound, 'this invitation has expired; ask for a new one');
    return row;
  }

  private url(token: string): string {
    return new URL(`/invite/${encodeURIComponent(token)}`, this.config.PUBLIC_DASHBOARD_URL).toString();
  }

  private async inviterNames(rows: InvitationRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.map((r) => r.invitedById).filter((id): id is string => id !== null))];
    if (ids.length === 0) return new Map();
    const users = await this.db
      .unscoped('invitation inviters')
      .user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
    return new Map(users.map((u) => [u.id, u.name]));
  }

  private toInvitation(row: InvitationRow, names: Map<string, string>): Invitation {
    const name = row.invitedById ? names.get(row.invitedById) : undefined;
    return {
      id: row.id,
      email: row.email,
      role: row.role,
      invitedBy: row.invitedById && name !== undefined ? { userId: row.invitedById, name } : null,
      expiresAt: row.expiresAt.toISOString(),
      createdAt: row.createdAt.toISOString(),
    };
  }
}
