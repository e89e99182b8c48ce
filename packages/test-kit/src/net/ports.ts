import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { DEFAULT_WAIT_MS, waitUntil } from '../wait/until';

/**
 * A port the kernel just handed out on 127.0.0.1, closed again so a child can bind it. Only for
 * peers that cannot listen on port 0 themselves (`ffmpeg -listen 1`, a service given a URL up front);
 * in-process servers listen on port 0 instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** How often /proc/net/tcp is read while waiting for a listener. */
const LISTEN_POLL_MS = 20;
/** State column of /proc/net/tcp for a listening socket (TCP_LISTEN in include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

/**
 * Resolves once something listens on 127.0.0.1:`port`, read from /proc/net/tcp. Probing with a
 * connection would use up the single accept of `ffmpeg -listen 1`. Rejects once `timeoutMs` passes.
 */
export async function waitForListener(port: number, timeoutMs: number = DEFAULT_WAIT_MS): Promise<void> {
  // /proc/net/tcp writes addresses as little-endian hex: 127.0.0.1 is 0100007F.
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  await waitUntil(
    async () => {
      const table = await readFile('/proc/net/tcp', 'utf8');
      const rows = table.split('\n').map((row) => row.trim().split(/\s+/));
      return rows.some((cols) => cols[1] === local && cols[3] === TCP_LISTEN);
    },
    { what: `a listener on 127.0.0.1:${port}`, timeoutMs, stepMs: LISTEN_POLL_MS },
  );
}
