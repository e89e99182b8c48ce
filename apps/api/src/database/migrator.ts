import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/service-kit';
import type { ClientBase } from 'pg';

/**
 * Applies prisma/migrations/<name>/migration.sql in name order and records them
 * in `_prisma_migrations` the way `prisma migrate deploy` does, so an operator
 * with internet access can use the Prisma CLI on the same database.
 *
 * Table DDL and advisory-lock key are Prisma's (prisma-engines,
 * schema-engine/connectors/sql-schema-connector, postgres flavour): the CLI and
 * this migrator exclude each other.
 */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma stores it. */
  checksum: string;
}

/** The migrations shipped with the api (this file runs from dist/src/database/). */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'prisma', 'migrations');

export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Brings the database up to date. Each migration runs in its own transaction
 * together with its `_prisma_migrations` row, so a failure leaves no trace and
 * the next start retries it. Refuses (MigrationError, one line) when an applied
 * migration's file changed or when Prisma recorded a failed migration.
 */
export async function migrate(
  client: ClientBase,
  migrations: MigrationFile[],
  logger: Logger,
): Promise<string[]> {
  await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  try {
    await client.query(MIGRATIONS_TABLE_DDL);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r]));
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} is recorded as failed in _prisma_migrations; resolve it (prisma migrate resolve) before starting`,
      );
    }
    const newlyApplied: string[] = [];
    for (const m of migrations) {
      const row = applied.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.name} was edited after it was applied (checksum ${m.checksum.slice(0, 12)}… ≠ recorded ${row.checksum.slice(0, 12)}…); restore the file and add a new migration instead`,
          );
        }
        continue;
      }
      if (await applyOne(client, m)) {
        logger.info({ migration: m.name }, 'migration applied');
        newlyApplied.push(m.name);
      }
    }
    return newlyApplied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  }
}

/** False when another migrator applied it first. */
async function applyOne(client: ClientBase, m: MigrationFile): Promise<boolean> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    // Checked again inside the transaction: PGlite has a single session, so its
    // advisory lock does not exclude a second connection, but its transactions do.
    const done = await client.query(
      'SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL',
      [m.name],
    );
    if ((done.rowCount ?? 0) > 0) {
      await client.query('COMMIT');
      return false;
    }
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, m.checksum, m.name],
    );
    await client.query(m.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK');
    throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
  }
}
