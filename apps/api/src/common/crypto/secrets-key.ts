import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/service-kit';
import type { ApiConfig } from '../../config';

/**
 * The master key for secrets at rest: SECRETS_KEY, or (for a first local run)
 * one generated into DATA_DIR/secrets.key, readable by the owner only. Losing
 * that file makes stored stream keys unreadable, hence the warning.
 */
export function loadSecretsKey(config: ApiConfig, logger: Logger): Buffer {
  if (config.SECRETS_KEY) return Buffer.from(config.SECRETS_KEY, 'base64');
  const path = join(config.DATA_DIR, 'secrets.key');
  mkdirSync(config.DATA_DIR, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn(
      { path },
      'SECRETS_KEY unset: generated a key file; production should set SECRETS_KEY and keep it safe',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    logger.warn(
      { path },
      'SECRETS_KEY unset: using the generated key file; production should set SECRETS_KEY',
    );
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path} does not hold base64 of 32 bytes`);
  return key;
}
