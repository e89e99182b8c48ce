import type { RtmpServerConnection } from '@tributary/rtmp-core';
import { normalizeIp } from '../auth/client-ip';

/**
 * Open RTMP connections by client address, so one host cannot take the edge's whole connection
 * budget (waiting viewers included: each holds a socket and its buffers whether or not it plays).
 * RTMPS sockets still in their TLS handshake hold a slot of the same budget (take()).
 */
export class ConnectionsPerIp {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts `conn` until it closes; false (and not counted) when its address is at the cap. */
  admit(conn: RtmpServerConnection): boolean {
    const release = this.take(conn.remoteAddress);
    if (release === undefined) return false;
    conn.once('close', release);
    return true;
  }

  /** One slot for `ip` until the returned function is called (once; later calls do nothing); undefined at the cap. */
  take(address: string): (() => void) | undefined {
    const ip = normalizeIp(address);
    const n = this.open.get(ip) ?? 0;
    if (n >= this.max) return undefined;
    this.open.set(ip, n + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left > 0) this.open.set(ip, left);
      else this.open.delete(ip);
    };
  }

  count(ip: string): number {
    return this.open.get(normalizeIp(ip)) ?? 0;
  }
}
