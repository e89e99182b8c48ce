import type { FleetEdge, HeartbeatRequest } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import type { ApiClient } from './api-client';

export interface HeartbeatOptions {
  api: Pick<ApiClient, 'heartbeat'>;
  read: () => Omit<HeartbeatRequest, 'version'>;
  version: string;
  /** EDGE_INTERNAL_RTMP_URL: where other edges pull this edge's streams from (sent in every beat). */
  internalRtmpUrl?: string;
  initialIntervalSeconds: number;
  logger: Logger;
  /** Each answer's fleet (the other healthy, non-draining edges), for load balancing (lb/). */
  onFleet?: (fleet: readonly FleetEdge[]) => void;
}

/**
 * Registers the edge with the api and keeps it marked healthy. The first beat doubles as the
 * registration (the api learns this edge's id from its credential); afterwards the interval is the
 * one the api asks for. Failures are logged once per outage, not once per beat.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private intervalSeconds: number;
  /** The api's current interval (the fleet it answers is at most this old). */
  get interval(): number {
    return this.intervalSeconds;
  }
  private failing = false;
  private stopped = true;
  edgeId: string | undefined;

  constructor(private readonly opts: HeartbeatOptions) {
    this.intervalSeconds = opts.initialIntervalSeconds;
  }

  /** Sends the first beat and schedules the next ones; resolves whether or not the api answered. */
  start(): Promise<void> {
    this.stopped = false;
    return this.beat();
  }

  /**
   * Beats now instead of at the next interval (e.g. draining started: the api stops offering this edge
   * at once); resolves when the api answered or the call failed (bounded by the api client's timeout).
   */
  beatNow(): Promise<void> {
    clearTimeout(this.timer);
    return this.beat();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      const internal = this.opts.internalRtmpUrl;
      const res = await this.opts.api.heartbeat({
        version: this.opts.version,
        ...(internal === undefined ? {} : { internalRtmpUrl: internal }),
        ...this.opts.read(),
      });
      if (this.edgeId !== res.edgeId)
        this.opts.logger.info({ edgeId: res.edgeId }, 'registered with the api');
      if (this.failing) this.opts.logger.info('api reachable again');
      this.edgeId = res.edgeId;
      this.intervalSeconds = res.heartbeatIntervalSeconds;
      this.opts.onFleet?.(res.fleet);
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'heartbeat failed');
      }
      this.failing = true;
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.beat(), this.intervalSeconds * 1000);
    this.timer.unref();
  }
}
