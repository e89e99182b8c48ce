import type { RtmpTransport, TransportHandlers } from '../transport/transport';

/**
 * The polling-interval byte that starts every RTMPT answer to send/idle (FMS's back-off): 0x01 while
 * bytes flow, doubled on each answer that carries nothing, up to 0x21. Flash Player waits about that
 * many ticks before its next idle poll; librtmp keeps the byte without acting on it and FFmpeg skips it
 * (it waits 50 ms on its own after an empty answer), so the server also holds an empty idle poll a
 * little (RtmptHttpHandler) instead of answering it at once.
 */
export const RTMPT_INTERVAL_MIN = 0x01;
export const RTMPT_INTERVAL_MAX = 0x21;

/** One shared 1-byte buffer per interval value: no allocation per poll. */
const INTERVAL_BYTES: readonly Buffer[] = Array.from({ length: RTMPT_INTERVAL_MAX + 1 }, (_, i) =>
  Buffer.from([i]),
);

/** The interval byte as a shared buffer (0..0x21; values outside are clamped). */
export function intervalByte(interval: number): Buffer {
  const i = Math.max(0, Math.min(RTMPT_INTERVAL_MAX, Math.trunc(interval)));
  return INTERVAL_BYTES[i]!;
}

/** The interval after an answer: back to the minimum when it carried bytes, else doubled up to the maximum. */
export function nextInterval(current: number, carriedBytes: boolean): number {
  if (carriedBytes) return RTMPT_INTERVAL_MIN;
  return Math.min(RTMPT_INTERVAL_MAX, Math.max(RTMPT_INTERVAL_MIN, current * 2));
}

/** A held poll: `ready` when bytes were queued (or the session closed), `release` when it must be answered now. */
export interface RtmptHoldListener {
  ready(): void;
  release(): void;
}

/** What one poll hands the HTTP layer: the body of a 200 answer, interval byte first. */
export interface RtmptPoll {
  readonly body: readonly Buffer[];
  readonly bodyLength: number;
}

export interface RtmptTransportLimits {
  /** Bytes queued for the client past which the session is dropped (the RTMP server drops earlier). */
  readonly maxBufferedBytes: number;
  /** Bytes from the client held while the connection is paused, past which the session is dropped. */
  readonly maxPendingInputBytes: number;
}

/**
 * One RTMPT session as an RtmpTransport: bytes the client POSTs come out of data(), bytes the connection
 * writes wait in a queue for the client's next poll. `writableLength` is that queue, so the RTMP
 * connection's backpressure (pause reading, skip to a keyframe, drop) sees a viewer that stopped polling
 * exactly like a TCP viewer that stopped reading. No timers: the session table's sweep drives idle().
 */
export class RtmptTransport implements RtmpTransport {
  readonly kind = 'rtmpt';
  readonly remotePort = 0;
  private handlers: TransportHandlers | undefined;
  private idleTimeoutMs = 0;
  private out: Buffer[] = [];
  private outBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private paused = false;
  private ending = false;
  private closed = false;
  private interval = RTMPT_INTERVAL_MIN;
  /** Last payload byte either way (idle()), and last idle() fired. */
  private lastByteAt: number;
  private lastIdleAt = 0;
  /** The HTTP layer's held idle poll, if any. */
  private holder: RtmptHoldListener | undefined;
  /** The session table's: forget this session (called once when it closes). */
  onClosed: ((t: RtmptTransport) => void) | undefined;

  constructor(
    readonly sessionId: string,
    readonly remoteAddress: string,
    private readonly limits: RtmptTransportLimits,
    now: number,
  ) {
    this.lastByteAt = now;
  }

  get writableLength(): number {
    return this.outBytes;
  }

  get destroyed(): boolean {
    return this.ending || this.closed;
  }

  /** True once the session is gone (closed); polls then get 404. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The interval byte the next answer will carry. */
  get pollInterval(): number {
    return this.interval;
  }

  start(handlers: TransportHandlers, idleTimeoutMs: number): void {
    if (this.handlers !== undefined) return;
    this.handlers = handlers;
    this.idleTimeoutMs = idleTimeoutMs;
    this.deliverPending();
  }

  write(buffers: readonly Buffer[]): void {
    if (this.destroyed) return;
    const had = this.outBytes;
    for (const b of buffers) {
      if (b.length === 0) continue;
      this.out.push(b);
      this.outBytes += b.length;
    }
    if (this.outBytes > this.limits.maxBufferedBytes) {
      this.fail('rtmpt client is not polling (output bound)', 'EPIPE');
      return;
    }
    if (had === 0 && this.outBytes > 0) this.holder?.ready();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliverPending();
  }

  end(): void {
    if (this.destroyed) return;
    this.ending = true;
    if (this.outBytes === 0) this.finish();
    // else: closed by the poll that takes the last queued byte
  }

  destroy(): void {
    if (this.closed) return;
    this.out = [];
    this.outBytes = 0;
    this.finish();
  }

  /** Bytes POSTed by the client (a send body). False when the session had to be dropped (input bound). */
  receive(bytes: Buffer, now: number): boolean {
    if (this.closed || bytes.length === 0) return !this.closed;
    this.lastByteAt = now;
    if (this.handlers === undefined || this.paused || this.pendingBytes > 0) {
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      if (this.pendingBytes > this.limits.maxPendingInputBytes) {
        this.fail('rtmpt client sends while its connection is paused (input bound)', 'ECONNRESET');
        return false;
      }
      if (this.handlers !== undefined && !this.paused) this.deliverPending();
      return true;
    }
    this.handlers.data(bytes);
    return true;
  }

  /** Takes everything queued for the client: the body of the answer to its poll. */
  poll(now: number): RtmptPoll {
    const bytes = this.outBytes;
    const first = intervalByte(this.interval);
    this.interval = nextInterval(this.interval, bytes > 0);
    if (bytes === 0) {
      if (this.ending) this.finish();
      return { body: [first], bodyLength: 1 };
    }
    const body = [first, ...this.out];
    this.out = [];
    this.outBytes = 0;
    this.lastByteAt = now;
    if (this.ending) this.finish();
    else this.handlers?.drain();
    return { body, bodyLength: bytes + 1 };
  }

  /** A held idle poll waits through this (one at a time: a new hold replaces the old one). */
  hold(listener: RtmptHoldListener | undefined): void {
    this.holder = listener;
  }

  /** A new request of this session arrived: the held poll is answered first, now (answers stay in order). */
  releaseHold(): void {
    const h = this.holder;
    this.holder = undefined;
    h?.release();
  }

  /** True when a poll now would carry bytes (or end the session). */
  get hasOutput(): boolean {
    return this.outBytes > 0 || this.ending || this.closed;
  }

  /** The sweep: fires idle() after idleTimeoutMs without a payload byte either way (again each period). */
  tick(now: number): void {
    if (this.closed || this.handlers === undefined || this.idleTimeoutMs <= 0) return;
    if (now - this.lastByteAt < this.idleTimeoutMs || now - this.lastIdleAt < this.idleTimeoutMs) return;
    this.lastIdleAt = now;
    this.handlers.idle();
  }

  /** The session is dropped from outside (reaped, input bound): error then close, as a reset socket. */
  fail(message: string, code: string): void {
    if (this.closed) return;
    this.out = [];
    this.outBytes = 0;
    const err: Error & { code?: string } = new Error(message);
    err.code = code;
    this.handlers?.error(err);
    this.finish();
  }

  private deliverPending(): void {
    const h = this.handlers;
    while (h !== undefined && !this.paused && !this.closed && this.pending.length > 0) {
      const b = this.pending.shift()!;
      this.pendingBytes -= b.length;
      h.data(b);
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.ending = true;
    this.pending = [];
    this.pendingBytes = 0;
    const holder = this.holder;
    this.holder = undefined;
    this.onClosed?.(this);
    holder?.ready();
    this.handlers?.close();
  }
}
