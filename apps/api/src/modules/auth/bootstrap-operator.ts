import { randomBytes } from 'node:crypto';
import type { Logger } from '@tributary/service-kit';
import { hashPassword } from '../../common/auth/passwords';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import type { Database } from '../../database/database';

/**
 * First start: with no user at all, create the operator from
 * BOOTSTRAP_OPERATOR_EMAIL/PASSWORD, or with a generated password that is
 * printed once (it is stored only as a scrypt hash).
 */
export async function bootstrapOperator(db: Database, config: ApiConfig, logger: Logger): Promise<void> {
  const users = db.unscoped('bootstrap operator').user;
  if ((await users.count()) > 0) return;
  const generated = config.BOOTSTRAP_OPERATOR_PASSWORD === undefined;
  const password = config.BOOTSTRAP_OPERATOR_PASSWORD ?? randomBytes(12).toString('base64url');
  const email = config.BOOTSTRAP_OPERATOR_EMAIL.toLowerCase();
  // skipDuplicates: two instances starting together create it once.
  const created = await users.createMany({
    data: [
      {
        id: newId(IdPrefix.user),
        email,
        name: 'Operator',
        passwordHash: await hashPassword(password),
        isOperator: true,
      },
    ],
    skipDuplicates: true,
  });
  if (created.count === 0) return;
  if (generated) {
    // Deliberately logged once, under a key the redaction list does not hide: it is the only way to learn it.
    logger.warn(
      { email, generatedPassword: password },
      'bootstrap operator created; sign in and change this password',
    );
  } else {
    logger.info({ email }, 'bootstrap operator created from BOOTSTRAP_OPERATOR_EMAIL/PASSWORD');
  }
}
