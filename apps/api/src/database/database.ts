import { PrismaPg } from '@prisma/adapter-pg';
import type { Logger } from '@tributary/service-kit';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { MIGRATIONS_DIR, migrate, readMigrations } from './migrator';
import { scopeToTenant, type TenantClient, tenantConfinedPrisma } from './tenant-scope';

/**
 * A request waits at most this long for a pool connection; past it the request
 * fails fast with 503 instead of hanging while Postgres is down: a dead
 * dependency must fail requests quickly, never pile them up.
 */
const CONNECT_TIMEOUT_MS = 3000;
/** Idle connections are dropped after this, so a restarted Postgres is re-dialled promptly. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * The api's only door to Postgres. Services use `tenant()` for tenant-owned
 * data (scoped by database/tenant-scope.ts) and `unscoped(reason)` for operator,
 * edge and auth paths that legitimately cross tenants: easy to grep, and logged.
 */
export class Database {
  private readonly confined: PrismaClient;
  private readonly scoped: TenantClient;

  constructor(
    readonly prisma: PrismaClient,
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {
    // The same pool: the tenant-confined client borrows its connections (row-level security, tenant-scope.ts).
    this.confined = tenantConfinedPrisma(pool);
    this.scoped = scopeToTenant(this.confined);
  }

  tenant(): TenantClient {
    return this.scoped;
  }

  unscoped(reason: string): PrismaClient {
    this.logger.trace({ reason }, 'unscoped database access');
    return this.prisma;
  }

  /** Raw SQL on the api's own pool, as the api's role (pg-boss, the webhook queue, runs through it). */
  query(text: string, values?: unknown[]) {
    return this.pool.query(text, values);
  }

  /** For /readyz: one round trip. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.confined.$disconnect();
    await this.prisma.$disconnect();
    await this.pool.end();
  }
}

/** Connects, migrates, and returns the Database. Throws (one line via describeStartupError) when unreachable. */
export async function openDatabase(url: string, poolMax: number, logger: Logger): Promise<Database> {
  const pool = new Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  // Without this listener an idle connection dropped by a Postgres restart
  // would crash the process ('error' on an EventEmitter with no listener).
  pool.on('error', (err) =>
    logger.warn({ err: err.message }, 'database connection lost; will reconnect on demand'),
  );
  try {
    const client = await pool.connect();
    try {
      await migrate(client, readMigrations(MIGRATIONS_DIR), logger);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return new Database(prisma, pool, logger);
}
