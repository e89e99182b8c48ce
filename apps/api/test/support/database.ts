import { createHash, randomBytes } from 'node:crypto';
import { createLogger } from '@tributary/service-kit';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../src/database/migrator';

export interface TestDatabase {
  url: string;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Room for a test file's api instances (one connection each) plus its own inspection client. */
const PGLITE_TEST_CONNECTIONS = 8;

const silent = createLogger({ name: 'test', level: 'silent' });

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One database per test file (DEVELOPERS.md "Databases in tests"):
 *  - DATABASE_URL set: a migrated template database is built once per set of
 *    migrations, and each file gets `CREATE DATABASE … TEMPLATE` of it;
 *  - unset: an in-memory PGlite behind its socket on a free port.
 * `migrated: false` gives an empty database (for migrator tests).
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = opts.migrated ?? true;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pg = await startEmbeddedPostgres({ port: 0, maxConnections: PGLITE_TEST_CONNECTIONS });
    if (migrated) {
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      await migrate(client, readMigrations(MIGRATIONS_DIR), silent);
      await client.end();
    }
    return { url: pg.url, kind: 'pglite', close: () => pg.close() };
  }
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const name = `tributary_test_${randomBytes(6).toString('hex')}`;
    if (migrated) {
      const template = await ensureTemplate(admin, serverUrl);
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } else {
      await admin.query(`CREATE DATABASE "${name}"`);
    }
    return {
      url: withDatabase(serverUrl, name),
      kind: 'postgres',
      async close() {
        const c = new Client({ connectionString: serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  } finally {
    await admin.end();
  }
}

async function ensureTemplate(admin: Client, serverUrl: string): Promise<string> {
  const migrations = readMigrations(MIGRATIONS_DIR);
  const version = createHash('sha256')
    .update(migrations.map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 16);
  const template = `tributary_template_${version}`;
  // Files run one at a time, but two checkouts may share the server: build under a temporary name, then rename.
  await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const c = new Client({ connectionString: withDatabase(serverUrl, building) });
      await c.connect();
      await migrate(c, migrations, silent);
      await c.end();
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
  }
  return template;
}
