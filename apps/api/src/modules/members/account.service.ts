import { Inject, Injectable } from '@nestjs/common';
import type { AccountSession } from '@tributary/contracts';
import { hashPassword, verifyPassword } from '../../common/auth/passwords';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { Database } from '../../database/database';

/**
 * The signed-in user's own account: their password and their sessions. Users and sessions belong
 * to no tenant, so every query is unscoped and filtered by the user's own id.
 */
@Injectable()
export class AccountService {
  constructor(@Inject(Database) private readonly db: Database) {}

  /**
   * Replaces the password when the current one is right, and ends every other session of the user
   * in the same transaction: whoever had signed in elsewhere (perhaps with the old password) is out.
   */
  async changePassword(
    userId: string,
    sessionId: string,
    input: { currentPassword: string; newPassword: string },
  ): Promise<{ signedOut: number }> {
    const db = this.db.unscoped('password change');
    const user = await db.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError(ErrorCode.unauthenticated, 'not signed in');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash)))
      throw new AppError(ErrorCode.forbidden, 'the current password is wrong', [
        { field: 'currentPassword', message: 'wrong password' },
      ]);
    const passwordHash = await hashPassword(input.newPassword);
    const [, ended] = await db.$transaction([
      db.user.update({ where: { id: userId }, data: { passwordHash } }),
      db.userSession.deleteMany({ where: { userId, id: { not: sessionId } } }),
    ]);
    return { signedOut: ended.count };
  }

  async listSessions(userId: string, sessionId: string, q: ListQuery) {
    const rows = await this.db.unscoped('own sessions').userSession.findMany({
      ...pageArgs(q),
      where: { userId, expiresAt: { gt: new Date() } },
    });
    return toPage(
      rows,
      q,
      (row): AccountSession => ({
        id: row.id,
        createdAt: row.createdAt.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
        current: row.id === sessionId,
        ip: row.ip,
        userAgent: row.userAgent,
      }),
    );
  }

  /** Ends one of the user's sessions (another user's is "not found"). */
  async signOut(userId: string, id: string): Promise<void> {
    const { count } = await this.db
      .unscoped('own sessions')
      .userSession.deleteMany({ where: { id, userId } });
    if (count === 0) throw AppError.notFound('session');
  }

  async signOutOthers(userId: string, sessionId: string): Promise<{ signedOut: number }> {
    const { count } = await this.db
      .unscoped('own sessions')
      .userSession.deleteMany({ where: { userId, id: { not: sessionId } } });
    return { signedOut: count };
  }
}
