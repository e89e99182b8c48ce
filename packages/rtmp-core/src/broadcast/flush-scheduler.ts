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
 *   `maxHoldMs`), so more messages share each write as the viewer count grows. Idle, it is `turn`.
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
  /** Clock (ms) timing the passes for the `adaptive` policy (default performance.now); injected by tests. */
  now?: () => number;
}

export const DEFAULT_FLUSH_OPTIONS = {
  coalesce: 'turn' as CoalescePolicy,
  /** 50 ms, SRS's default is 350 ms: only used by the `interval` policy. */
  mergeWriteMs: 50,
  /** 15 ms: with the pass itself and the loop's other work, a message waits at most about 30 ms under load. */
  maxHoldMs: 15,
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
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
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
    this.now = options.now ?? (() => performance.now());
  }

  /** True while a pass is scheduled and has not run. */
  get pending(): boolean {
    return this.timer !== undefined || this.immediate !== undefined;
  }

  /** Something was queued: the pass runs when the policy says (at most one is scheduled at a time). */
  schedule(): void {
    if (this.pending) return;
    if (this.coalesce === 'off') {
      this.run();
      return;
    }
    if (this.coalesce === 'interval') {
      this.timer = setTimeout(() => this.run(), this.mergeWriteMs);
      return;
    }
    if (this.coalesce === 'adaptive' && this.lastPassMs >= 1) {
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
  }
}
