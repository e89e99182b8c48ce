import { escapeLiteral, Pool, type PoolClient, type QueryConfig, type QueryResult } from 'pg';

/**
 * The connection side of tenant confinement: a pg.Pool (the type
 * @prisma/adapter-pg accepts) that owns no connections but borrows them from
 * the api's one pool and confines every statement to a tenant:
 *
 *  - a statement outside a transaction runs as
 *      BEGIN; SELECT set_config('role', …, true), set_config('app.tenant_id', …, true)
 *      <the statement>
 *      COMMIT
 *    (three round trips: the first line is one simple-protocol message);
 *  - a transaction Prisma opens itself (nested writes) gets the same settings
 *    in its BEGIN message.
 *
 * Both settings are transaction-local, so the connection goes back to the pool
 * as the api's own role with no tenant, whatever happened. With no tenant (the
 * callback returns undefined) nothing runs at all: fail closed.
 */
export class TenantConfinedPool extends Pool {
  constructor(
    private readonly shared: Pool,
    private readonly role: string,
    private readonly setting: string,
    private readonly tenantId: () => string,
  ) {
    // Never connects on its own: connect() and query() below use the shared pool.
    super({ max: 1 });
  }

  private begin(): string {
    const tenant = this.tenantId();
    return `BEGIN; SELECT set_config('role', ${escapeLiteral(this.role)}, true), set_config(${escapeLiteral(this.setting)}, ${escapeLiteral(tenant)}, true)`;
  }

  /** A borrowed connection whose BEGIN also confines the transaction (for Prisma's own transactions). */
  override connect(): Promise<PoolClient>;
  override connect(
    callback: (err: Error | undefined, client: PoolClient | undefined, done: () => void) => void,
  ): void;
  override connect(callback?: unknown): Promise<PoolClient> | undefined {
    if (callback) throw new Error('TenantConfinedPool.connect takes no callback');
    return this.confinedConnection();
  }

  private async confinedConnection(): Promise<PoolClient> {
    const begin = this.begin();
    const conn = await this.shared.connect();
    const query = conn.query.bind(conn) as (q: unknown, values?: unknown) => Promise<QueryResult>;
    return new Proxy(conn, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return async (q: string | QueryConfig, values?: unknown) => {
          const text = typeof q === 'string' ? q : q.text;
          if (text.trim().toUpperCase() === 'BEGIN') {
            await query(begin);
            return { command: 'BEGIN', rowCount: 0, rows: [], fields: [], oid: 0 } as QueryResult;
          }
          return query(q, values);
        };
      },
    });
  }

  /** One statement outside a transaction: confined in a transaction of its own. */
  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool's overloads; @prisma/adapter-pg calls query(QueryConfig)
  override query(q: any, values?: any): any {
    if (typeof values === 'function' || typeof q?.submit === 'function') {
      throw new Error('TenantConfinedPool.query takes a query config and returns a promise');
    }
    return this.confined(q, values);
  }

  private async confined(q: string | QueryConfig, values?: unknown[]): Promise<QueryResult> {
    const begin = this.begin();
    const conn = await this.shared.connect();
    let broken: Error | undefined;
    try {
      await conn.query(begin);
      try {
        const result = await conn.query(q as QueryConfig, values);
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw err;
      }
    } catch (err) {
      broken ??= (err as { code?: string }).code ? undefined : (err as Error);
      throw err;
    } finally {
      // A connection whose state is unknown (no SQLSTATE: the socket failed) is discarded, not reused.
      conn.release(broken);
    }
  }

  /** The shared pool is ended by its owner (Database.close). */
  override async end(): Promise<void> {}
}
