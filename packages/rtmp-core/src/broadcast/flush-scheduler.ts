/**
 * How a fan-out merges writes, one write per viewer per flush pass instead of one per message:
 * - `turn`: messages queued during one turn of the event loop (everything parsed from the publisher's
 *   reads of that turn) are written together right after it (setImmediate, before the next timer
 *   phase). Idle, a message goes out alone at once; under load, a turn's I/O holds more messages, so
 *   the batching grows with the load and costs no wait of its own.
 * - `interval`: queued messages are written every `mergeWriteMs` (SRS's "mw"); fewer writes, but every
 *   message waits up to that long.
 * - `adaptive`: `turn` while flushing is cheap; once one flush pass over the viewers takes a
 *   millisecond or more, the next pass waits until twice that time has passed since (at most
 *   `maxHoldMs`), so more messages share each write as the viewer count grows, and items the owner
 *   marks holdable (audio and data of a stream with video) no longer trigger a pass of their own: they
 *   ride with the next video frame's write, or go out after `audioHoldMs` if none comes. Under load a
 *   viewer then gets about one write per video frame instead of one per message, and a video frame is
 *   never held behind audio. Idle, it is `turn`.
 * - `off`: each message is written on its own, at once.
 */
export type CoalescePolicy = 'turn' | 'adaptive' | 'interval' | 'off';

export interface FlushSchedulerOptions {
  /** Default `turn`. */
  coalesce?: CoalescePolicy;
  /** The period of the `interval` policy, in ms (default 50). */
  mergeWriteMs?: number;
  /** The longest wait of the `adaptive` policy, in ms (default 15). */
  maxHoldMs?: number;
  /** Under the `adaptive` policy's load rule, the longest a holdable item waits for the next video frame (default 45). */
  audioHoldMs?: number;
  /** Clock (ms) timing the passes for the `adaptive` policy (default performance.now); injected by tests. */
  now?: () => number;
}

export const DEFAULT_FLUSH_OPTIONS = {
  coalesce: 'turn' as CoalescePolicy,
  /** 50 ms, SRS's default is 350 ms: only used by the `interval` policy. */
  mergeWriteMs: 50,
  /** 15 ms: with the pass itself and the loop's other work, a message waits at most about 30 ms under load. */
  maxHoldMs: 15,
  /** 45 ms: a little more than one frame interval at 24 fps (41.7 ms), so audio waits for the next video frame. */
  audioHoldMs: 45,
};

/**
 * When a fan-out runs its flush pass (`pass`: write every viewer's queue), by a `CoalescePolicy`: the one
 * rule shared by the RTMP fan-out (Broadcast) and message-level fan-outs such as the edge's HTTP-FLV.
 * The owner calls `schedule()` whenever it queued something and `run()` when the queues must go out now
 * (before a status, a leave, a close); under `off` it writes at once and need not schedule at all
 * (`schedule()` then runs the pass at once). No I/O of its own: only timers.
 */
export class FlushScheduler {
  readonly coalesce: CoalescePolicy;
  private readonly mergeWriteMs: number;
  private readonly maxHoldMs: number;
  private readonly audioHoldMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The scheduled pass is an `audioHoldMs` hold: only holdable items are waiting. */
  private holding = false;
  /** Duration and end (now) of the last pass, for the `adaptive` policy. */
  private lastPassMs = 0;
  private lastPassEnd = 0;

  constructor(
    private readonly pass: () => void,
    options: FlushSchedulerOptions = {},
  ) {
    this.coalesce = options.coalesce ?? DEFAULT_FLUSH_OPTIONS.coalesce;
    this.mergeWriteMs = options.mergeWriteMs ?? DEFAULT_FLUSH_OPTIONS.mergeWriteMs;
    this.maxHoldMs = options.maxHoldMs ?? DEFAULT_FLUSH_OPTIONS.maxHoldMs;
    this.audioHoldMs = options.audioHoldMs ?? DEFAULT_FLUSH_OPTIONS.audioHoldMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** True while a pass is scheduled and has not run. */
  get pending(): boolean {
    return this.timer !== undefined || this.immediate !== undefined;
  }

  /**
   * Something was queued: the pass runs when the policy says (at most one is scheduled at a time).
   * `holdable`: the item may wait for the next non-holdable one under the `adaptive` policy's load rule
   * (audio and data of a stream with video: they then share the next video frame's write).
   */
  schedule(holdable = false): void {
    if (this.pending && !(this.holding && !holdable)) return;
    if (this.coalesce === 'off') {
      this.run();
      return;
    }
    if (this.coalesce === 'interval') {
      this.timer = setTimeout(() => this.run(), this.mergeWriteMs);
      return;
    }
    if (this.coalesce === 'adaptive' && this.lastPassMs >= 1) {
      if (this.holding) this.cancel(); // a video frame came: what was held goes with it
      if (holdable) {
        this.holding = true;
        this.timer = setTimeout(() => this.run(), this.audioHoldMs);
        return;
      }
      const hold = Math.min(this.maxHoldMs, 2 * this.lastPassMs);
      const wait = this.lastPassEnd + hold - this.now();
      if (wait >= 1) {
        this.timer = setTimeout(() => this.run(), wait);
        return;
      }
    }
    this.immediate = setImmediate(() => this.run());
  }

  /** Runs the pass now, in place of the scheduled one, and times it. */
  run(): void {
    this.cancel();
    const start = this.now();
    this.pass();
    this.lastPassEnd = this.now();
    this.lastPassMs = this.lastPassEnd - start;
  }

  /** Drops the scheduled pass, if any. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    this.holding = false;
  }
}
