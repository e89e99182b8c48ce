import type { FleetEdge } from '@tributary/contracts';
import { type CapacityLimits, type EgressMeter, type FullReason, fullReason } from './capacity';
import { clientUrlOf, pickFleetEdge, redirectUrl } from './choose-edge';

export interface LoadBalancerOptions {
  limits: CapacityLimits;
  /** EDGE_REGION: redirects prefer fleet edges of this region. */
  region?: string;
  /** Viewers across all streams (RTMP, HTTP-FLV, HLS sessions counted by the registry). */
  viewers: () => number;
  egress: EgressMeter;
  /** A fleet list older than this (missed heartbeat answers) is not trusted: no candidates. */
  fleetMaxAgeMs: () => number;
  now?: () => number;
}

/** What a new RTMP connect gets. */
export type ConnectVerdict =
  | { kind: 'accept'; full?: FullReason }
  | { kind: 'redirect'; url: string; edgeId: string; reason: FullReason | 'draining' }
  | { kind: 'reject'; reason: 'draining' };

/**
 * Load balancing on the edge (issue 11): whether this edge takes a new connection, and which other
 * edge to name instead (RTMP 302, SMIL base, the ReconnectRequest of a drain). The fleet is the latest
 * heartbeat answer's: the other healthy, non-draining edges with their load, at most one heartbeat old.
 *
 * Policy: draining → redirect to the chosen edge, or a plain reject when there is none (the edge is
 * going away either way). At capacity (EDGE_MAX_VIEWERS, EDGE_MAX_EGRESS_MBPS) → redirect, or accept
 * when no other edge has room: a loaded edge serves better than a refusal, and the hard limits
 * (MAX_CONNECTIONS, per-stream caps) still bound the process.
 */
export class LoadBalancer {
  private fleetList: readonly FleetEdge[] = [];
  private fleetAt = Number.NEGATIVE_INFINITY;
  private drainingSince: number | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: LoadBalancerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get region(): string | undefined {
    return this.opts.region;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= this.now();
  }

  /** From each heartbeat answer. */
  setFleet(fleet: readonly FleetEdge[]): void {
    this.fleetList = fleet;
    this.fleetAt = this.now();
  }

  /** The fleet when fresh, else nothing (an edge that lost the api does not guess where others stand). */
  get fleet(): readonly FleetEdge[] {
    return this.now() - this.fleetAt <= this.opts.fleetMaxAgeMs() ? this.fleetList : [];
  }

  egressBps(): number {
    return this.opts.egress.rate();
  }

  /** Why this edge takes no more viewers now, or undefined while it has room. */
  full(): FullReason | undefined {
    return fullReason(this.opts.limits, this.opts.viewers(), this.egressBps());
  }

  /** True while it has room and is not draining (readiness for capacity-aware balancers). */
  get hasRoom(): boolean {
    return !this.draining && this.full() === undefined;
  }

  /**
   * The other edge to send a client to (region first), or undefined. `tls`: the client came over RTMPS,
   * so only edges that serve it are candidates (clientUrlOf).
   */
  target(region?: string | null, tls = false): FleetEdge | undefined {
    const fleet = tls ? this.fleet.filter((e) => clientUrlOf(e, true) !== undefined) : this.fleet;
    return pickFleetEdge(fleet, region ?? this.opts.region);
  }

  /** A new connect: accept, redirect (with its query kept on the URL) or reject; `tls` as for target(). */
  connect(query: URLSearchParams, tls = false): ConnectVerdict {
    const reason = this.draining ? 'draining' : this.full();
    if (reason === undefined) return { kind: 'accept' };
    const edge = this.target(undefined, tls);
    const base = edge === undefined ? undefined : clientUrlOf(edge, tls);
    const url = base === undefined ? undefined : redirectUrl(base, query);
    if (edge !== undefined && url !== undefined)
      return { kind: 'redirect', url, edgeId: edge.edgeId, reason };
    return reason === 'draining' ? { kind: 'reject', reason } : { kind: 'accept', full: reason };
  }

  /**
   * The RTMP application URL a SMIL document names for a viewer: this edge (`self`) while it has room
   * and is in the viewer's region (or the viewer names none), else the least-loaded fleet edge (region
   * first), else this edge when not draining. Undefined: nowhere to play.
   */
  smilBase(self: string | undefined, viewerRegion?: string): string | undefined {
    const region = viewerRegion ?? this.opts.region;
    const selfFits = self !== undefined && this.hasRoom;
    const selfInRegion = !region || !this.opts.region || region === this.opts.region;
    if (selfFits && selfInRegion) return self;
    const other = pickFleetEdge(this.fleet, region);
    if (other !== undefined && (!selfFits || other.region === region)) return other.rtmpUrl;
    if (selfFits) return self;
    return other?.rtmpUrl ?? (this.draining ? undefined : self);
  }
}
