import type { RtmpServerConnection } from '@tributary/rtmp-core';
import { normalizeIp } from '../auth/client-ip';

/**
 * Open RTMP connections by client address, so one host cannot take the edge's whole connection
 * budget (waiting viewers included: each holds a socket and its buffers whether or not it plays).
 */
export class ConnectionsPerIp {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts `conn` until it closes; false (and not counted) when its address is at the cap. */
  admit(conn: RtmpServerConnection): boolean {
    const ip = normalizeIp(conn.remoteAddress);
    const n = this.open.get(ip) ?? 0;
    if (n >= this.max) return false;
    this.open.set(ip, n + 1);
    conn.once('close', () => {
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left > 0) this.open.set(ip, left);
      else this.open.delete(ip);
    });
    return true;
  }

  count(ip: string): number {
    return this.open.get(normalizeIp(ip)) ?? 0;
  }
}
