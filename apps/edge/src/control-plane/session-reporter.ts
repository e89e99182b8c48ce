import type { SessionEndRequest, SessionStartRequest, SessionStatsRequest } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import type { ApiClient } from './api-client';

/** Running totals of one publish session; the reporter turns them into the deltas the api expects. */
export interface SessionTotals {
  viewers: number;
  bytesIn: number;
  bytesOut: number;
  viewerSeconds: number;
  video: SessionStatsRequest['video'];
  audio: SessionStatsRequest['audio'];
  /** A ladder's renditions live here, with their current bitrates (dynamic streaming). */
  renditions?: SessionStatsRequest['renditions'];
}

type SessionApi = Pick<ApiClient, 'startSession' | 'reportStats' | 'endSession'>;

export interface SessionReporterOptions {
  api: SessionApi;
  start: SessionStartRequest;
  read: () => SessionTotals;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Reports one publish session to the api: start, periodic stats, end (contracts/edge-api.ts).
 * Deltas are computed against the last report the api accepted, so a failed report is not lost:
 * its bytes and viewer-seconds go into the next one. If the start call failed (api down), it is
 * retried on each tick; the stream itself never waits on the api.
 */
export class SessionReporter {
  private sessionId: string | undefined;
  private starting: Promise<void> | undefined;
  private reported = { bytesIn: 0, bytesOut: 0, viewerSeconds: 0, at: 0 };
  private timer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: SessionReporterOptions) {
    this.now = opts.now ?? Date.now;
    this.reported.at = this.now();
  }

  get id(): string | undefined {
    return this.sessionId;
  }

  begin(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
    return this.ensureStarted();
  }

  /** Sends one stats report now (also what the timer does). */
  async tick(): Promise<void> {
    await this.ensureStarted();
    if (!this.sessionId || this.ending) return;
    const totals = this.opts.read();
    const at = this.now();
    const deltas = this.deltas(totals);
    const seconds = Math.max((at - this.reported.at) / 1000, 0.001);
    const stats: SessionStatsRequest = {
      viewers: totals.viewers,
      video: totals.video,
      audio: totals.audio,
      bitrateKbps: Math.round((deltas.bytesInDelta * 8) / seconds / 1000),
      ...(totals.renditions ? { renditions: totals.renditions } : {}),
      ...deltas,
    };
    try {
      await this.opts.api.reportStats(this.sessionId, stats);
      this.markReported(totals, at);
    } catch (err) {
      this.opts.logger.warn({ err: describe(err), sessionId: this.sessionId }, 'session stats report failed');
    }
  }

  /** Final report, sent once however often it is called; never throws. */
  end(reason: string): Promise<void> {
    clearInterval(this.timer);
    this.ending ??= this.finish(reason);
    return this.ending;
  }

  private async finish(reason: string): Promise<void> {
    await this.ensureStarted();
    if (!this.sessionId) {
      this.opts.logger.warn({ reason }, 'session end not reported: the session never reached the api');
      return;
    }
    const req: SessionEndRequest = { reason: reason.slice(0, 200), ...this.deltas(this.opts.read()) };
    try {
      await this.opts.api.endSession(this.sessionId, req);
    } catch (err) {
      this.opts.logger.warn({ err: describe(err), sessionId: this.sessionId }, 'session end report failed');
    }
  }

  private ensureStarted(): Promise<void> {
    if (this.sessionId) return Promise.resolve();
    this.starting ??= this.opts.api
      .startSession(this.opts.start)
      .then(
        (id) => {
          this.sessionId = id;
          this.opts.logger.info({ sessionId: id }, 'session started');
        },
        (err: unknown) => this.opts.logger.warn({ err: describe(err) }, 'session start report failed'),
      )
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private deltas(t: SessionTotals) {
    return {
      bytesInDelta: Math.max(0, t.bytesIn - this.reported.bytesIn),
      bytesOutDelta: Math.max(0, t.bytesOut - this.reported.bytesOut),
      viewerSecondsDelta: Math.max(0, t.viewerSeconds - this.reported.viewerSeconds),
    };
  }

  private markReported(t: SessionTotals, at: number): void {
    this.reported = { bytesIn: t.bytesIn, bytesOut: t.bytesOut, viewerSeconds: t.viewerSeconds, at };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
