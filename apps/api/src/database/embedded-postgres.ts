import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default database: PGlite (Postgres compiled to WASM, in this
 * process) behind a Postgres wire-protocol socket on loopback, so the api talks
 * to it through the same pg + @prisma/adapter-pg path as to a real server, and
 * an operator can point psql or the Prisma CLI at it while the api runs.
 *
 * PGlite executes one query at a time. pglite-socket multiplexes several
 * connections onto it but keeps a transaction's statements on one connection
 * only by queueing the others (dist: QueryQueueManager); one connection is
 * enough for this embedded use and keeps transactions simple, so the server
 * accepts a single client (its default) and the api's pool has max 1.
 */
export const EMBEDDED_POOL_MAX = 1;
/** A spare connection so psql or the Prisma CLI can attach while the api runs. */
const EMBEDDED_MAX_CONNECTIONS = EMBEDDED_POOL_MAX + 1;

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** Stops the socket server, then closes PGlite (flushes its data directory). */
  close(): Promise<void>;
}

/** dataDir undefined: in memory (tests, which also raise maxConnections to run several api instances on one PGlite). */
export async function startEmbeddedPostgres(opts: {
  dataDir?: string;
  port: number;
  host?: string;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = opts.dataDir ? await PGlite.create(opts.dataDir) : await PGlite.create();
  const host = opts.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: opts.port,
    maxConnections: opts.maxConnections ?? EMBEDDED_MAX_CONNECTIONS,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const port = Number(server.getServerConn().split(':').pop());
  let closed = false;
  return {
    url: `postgresql://postgres@${host}:${port}/postgres`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}
