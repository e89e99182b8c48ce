/**
 * Egress in bits per second from a running byte total: sampled when asked, over at least `windowMs`,
 * so it costs nothing between questions and needs no timer (the first answer is 0).
 */
export class EgressMeter {
  private lastAt: number | undefined;
  private lastBytes = 0;
  private bps = 0;

  /** `totalBytes` is first read at the first rate() (the counters may not exist yet at construction). */
  constructor(
    private readonly totalBytes: () => number,
    private readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  rate(): number {
    const at = this.now();
    if (this.lastAt === undefined) {
      this.lastAt = at;
      this.lastBytes = this.totalBytes();
      return 0;
    }
    const elapsed = at - this.lastAt;
    if (elapsed >= this.windowMs) {
      const bytes = this.totalBytes();
      this.bps = Math.max(0, ((bytes - this.lastBytes) * 8 * 1000) / elapsed);
      this.lastAt = at;
      this.lastBytes = bytes;
    }
    return this.bps;
  }
}

export interface CapacityLimits {
  /** EDGE_MAX_VIEWERS (undefined: no viewer cap). */
  maxViewers?: number;
  /** EDGE_MAX_EGRESS_MBPS in bits per second (undefined: no bandwidth cap). */
  maxEgressBps?: number;
}

export type FullReason = 'viewers' | 'egress';

/** Why the edge takes no more viewers, or undefined while it has room. */
export function fullReason(
  limits: CapacityLimits,
  viewers: number,
  egressBps: number,
): FullReason | undefined {
  if (limits.maxViewers !== undefined && viewers >= limits.maxViewers) return 'viewers';
  if (limits.maxEgressBps !== undefined && egressBps >= limits.maxEgressBps) return 'egress';
  return undefined;
}
