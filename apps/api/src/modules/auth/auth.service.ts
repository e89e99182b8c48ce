import { Inject, Injectable } from '@nestjs/common';
import type { User } from '@tributary/contracts';
import { CONFIG } from '../../app.tokens';
import { CredentialPrefix } from '../../common/auth/credentials';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../common/auth/passwords';
import { newSecret, sha256Hex } from '../../common/crypto/tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { IdPrefix, newId } from '../../common/ids';
import { WINDOW_MS } from '../../common/rate-counter';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';

const userInclude = { memberships: { include: { tenant: true } } } as const;

export function toUser(row: {
  id: string;
  email: string;
  name: string;
  isOperator: boolean;
  createdAt: Date;
  memberships: { tenantId: string; role: 'owner' | 'admin' | 'member'; tenant: { name: string } }[];
}): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isOperator: row.isOperator,
    memberships: row.memberships.map((m) => ({
      tenantId: m.tenantId,
      tenantName: m.tenant.name,
      role: m.role,
    })),
    createdAt: row.createdAt.toISOString(),
  };
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  get sessionTtlSeconds(): number {
    return this.config.SESSION_TTL_HOURS * 3600;
  }

  /**
   * Returns the user and a new session token (stored only as its sha256).
   * Failed attempts are counted per account (per e-mail, whichever IP they come
   * from): each attempt is counted before the password is checked, so concurrent
   * guesses cannot all slip under the limit, and a success takes its count back.
   * Past LOGIN_ACCOUNT_FAILURES_PER_MINUTE the account refuses logins (429) until
   * the minute is over, even with the right password.
   */
  async login(
    email: string,
    password: string,
    /** Shown in the user's session list (GET /v1/account/sessions). */
    client: { ip: string | null; userAgent: string | null } = { ip: null, userAgent: null },
  ): Promise<{ user: User; token: string }> {
    const db = this.db.unscoped('login');
    const now = Date.now();
    const bucket = `login-account:${sha256Hex(email.trim().toLowerCase())}`;
    const windowStart = new Date(now - (now % WINDOW_MS));
    const limit = this.config.LOGIN_ACCOUNT_FAILURES_PER_MINUTE;
    const counted = await db.$queryRaw<{ count: number }[]>`
      INSERT INTO "rate_limit_windows" ("bucket", "windowStart", "count") VALUES (${bucket}, ${windowStart}, 1)
      ON CONFLICT ("bucket", "windowStart") DO UPDATE SET "count" = "rate_limit_windows"."count" + 1
      RETURNING "count"`;
    if (Number(counted[0]?.count ?? 0) > limit) {
      const retryAfter = Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000));
      throw new AppError(
        ErrorCode.rateLimited,
        `too many failed sign-ins for this account; retry in ${retryAfter} s`,
        undefined,
        { 'Retry-After': String(retryAfter) },
      );
    }
    const row = await db.user.findUnique({ where: { email }, include: userInclude });
    const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!row || !ok) throw new AppError(ErrorCode.unauthenticated, 'wrong e-mail or password');
    await db.$executeRaw`
      UPDATE "rate_limit_windows" SET "count" = GREATEST("count" - 1, 0)
      WHERE "bucket" = ${bucket} AND "windowStart" = ${windowStart}`;
    const token = newSecret(CredentialPrefix.session);
    await db.userSession.create({
      data: {
        id: newId(IdPrefix.userSession),
        userId: row.id,
        tokenHash: sha256Hex(token),
        expiresAt: new Date(Date.now() + this.sessionTtlSeconds * 1000),
        ip: client.ip,
        userAgent: client.userAgent,
      },
    });
    return { user: toUser(row), token };
  }

  async logout(sessionId: string): Promise<void> {
    await this.db.unscoped('logout').userSession.deleteMany({ where: { id: sessionId } });
  }

  async me(userId: string): Promise<User> {
    const row = await this.db
      .unscoped('current user')
      .user.findUnique({ where: { id: userId }, include: userInclude });
    if (!row) throw new AppError(ErrorCode.unauthenticated, 'not signed in');
    return toUser(row);
  }
}
