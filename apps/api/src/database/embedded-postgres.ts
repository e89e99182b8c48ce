import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

/** Directories of the embedded database: only its owner may enter (Postgres itself insists on the same). */
export const DATA_DIR_MODE = 0o700;
/** Its files: only the owner may read or write them (they hold every tenant's data). */
export const DATA_FILE_MODE = 0o600;

/**
 * Makes `dir` and everything under it owner-only: directories 0700, files 0600.
 * Fixes data directories written before this was enforced, or copied with a loose umask.
 */
export function restrictToOwner(dir: string): void {
  chmodSync(dir, DATA_DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) restrictToOwner(path);
    else if (entry.isFile()) chmodSync(path, DATA_FILE_MODE);
  }
}

/** dataDir undefined: in memory (tests, which also raise maxConnections to run several api instances on one PGlite). */
export async function startEmbeddedPostgres(opts: {
  dataDir?: string;
  port: number;
  host?: string;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  if (opts.dataDir) {
    // New files this process writes (PGlite's, secrets.key) are owner-only; existing ones are fixed.
    process.umask(0o077);
    mkdirSync(opts.dataDir, { recursive: true, mode: DATA_DIR_MODE });
    restrictToOwner(opts.dataDir);
  }
  const db = opts.dataDir ? await PGlite.create(opts.dataDir) : await PGlite.create();
  // PGlite writes its files 0666 whatever the umask (its in-memory file system's modes): close them again.
  // Files it adds while running sit in the 0700 directory and are closed at the next close or start.
  if (opts.dataDir) restrictToOwner(opts.dataDir);
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
      if (opts.dataDir) restrictToOwner(opts.dataDir);
    },
  };
}
