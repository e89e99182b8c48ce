import type { ChangesResponse, ControlEvent } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';

export interface ControlFeedFollowerOptions {
  changes: (after: string | undefined, waitSeconds: number) => Promise<ChangesResponse>;
  /** Applies a page of events in order; it must not throw (each event is acted on locally). */
  apply: (events: ControlEvent[]) => Promise<void>;
  /**
   * The cursor is new (start) or was lost (too old, another database): reload everything. false:
   * the reload failed, so the cursor is not advanced and the resync is tried again after a backoff.
   */
  resync: (reason: 'start' | 'cursor_lost') => Promise<boolean>;
  /** Long-poll length asked of the api. */
  waitSeconds: number;
  logger: Logger;
  /** Retry delays after a failed call: from min, doubling, up to max (with jitter). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  emptyAnswerPauseMs?: number;
}

const BACKOFF_MIN_MS = 250;
/**
 * After an empty answer (the wait ran out, or an api answering at once) the next poll waits this long, so
 * an api that does not hold long-polls cannot turn the follower into a busy loop.
 */
const EMPTY_ANSWER_PAUSE_MS = 250;
/** Short enough that an edge is back on the feed within seconds of an api restart; jitter spreads a fleet. */
const BACKOFF_MAX_MS = 3_000;

/**
 * Follows the api's control feed (GET /v1/edge/changes) with a long-poll: an event committed
 * through any api instance reaches this edge as soon as that instance's poll wakes. The cursor is
 * kept in memory across failures, so after an api restart or a network outage the edge resumes
 * exactly where it was (the feed is durable in Postgres) after a capped backoff; a cursor the api
 * no longer knows leads to a full resync.
 */
export class ControlFeedFollower {
  private cursor: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private failures = 0;
  private readonly min: number;
  private readonly max: number;
  private readonly emptyPauseMs: number;

  constructor(private readonly opts: ControlFeedFollowerOptions) {
    this.min = opts.backoffMinMs ?? BACKOFF_MIN_MS;
    this.max = opts.backoffMaxMs ?? BACKOFF_MAX_MS;
    this.emptyPauseMs = opts.emptyAnswerPauseMs ?? EMPTY_ANSWER_PAUSE_MS;
  }

  get position(): string | undefined {
    return this.cursor;
  }

  /** Takes the head cursor and runs the initial resync (or gives up on it quickly), then follows in the background. */
  async start(): Promise<void> {
    this.running = true;
    await this.step(0);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeSleep?.();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) await this.step(this.opts.waitSeconds);
  }

  private async step(waitSeconds: number): Promise<void> {
    let res: ChangesResponse;
    try {
      res = await this.opts.changes(this.cursor, this.cursor === undefined ? 0 : waitSeconds);
    } catch (err) {
      if (!this.running) return;
      await this.backOff(err);
      return;
    }
    if (this.failures > 0)
      this.opts.logger.info({ failures: this.failures, cursor: this.cursor }, 'control feed resumed');
    this.failures = 0;
    if (!this.running) return;
    if (res.resync) {
      const reason = this.cursor === undefined ? 'start' : 'cursor_lost';
      if (reason === 'cursor_lost')
        this.opts.logger.warn(
          { cursor: this.cursor, head: res.cursor },
          'control feed cursor lost; resyncing',
        );
      if (!(await this.opts.resync(reason))) {
        await this.backOff(new Error('resync failed'));
        return;
      }
      this.cursor = res.cursor;
    } else if (res.events.length > 0) {
      await this.opts.apply(res.events);
      this.cursor = res.cursor;
    } else {
      this.cursor = res.cursor;
      if (waitSeconds > 0) await this.sleep(this.emptyPauseMs);
    }
  }

  private async backOff(err: unknown): Promise<void> {
    this.failures += 1;
    const delay = Math.min(this.max, this.min * 2 ** Math.min(this.failures - 1, 16));
    const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
    if (this.failures === 1 || this.failures % 20 === 0)
      this.opts.logger.warn(
        { err: err instanceof Error ? err.message : String(err), failures: this.failures, retryMs: jittered },
        'control feed unreachable; keeping what is known and retrying',
      );
    await this.sleep(jittered);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
