import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RtmpLogger } from '../logger/rtmp-logger';
import { silentLogger } from '../logger/rtmp-logger';
import {
  RTMPT_CONTENT_TYPE,
  type RtmptAnswer,
  type RtmptRefusal,
  RtmptSessions,
  type RtmptSessionsOptions,
} from '../rtmpt/rtmpt-sessions';
import type { RtmptHoldListener, RtmptTransport } from '../rtmpt/rtmpt-transport';

export interface RtmptHttpOptions extends Omit<RtmptSessionsOptions, 'randomBytes'> {
  /** A request body must arrive whole within this (slow-body bound); past it: 408 and the socket closes. */
  bodyTimeoutMs: number;
  /**
   * An idle poll that finds nothing queued waits up to this long for bytes before its empty answer.
   * Without it librtmp (rtmpdump) polls again at once, in a loop; Flash and FFmpeg wait on their own.
   */
  holdMs: number;
  /**
   * A held poll whose bytes came is answered this long after they came at most (0: after this turn),
   * so the audio and video frames written meanwhile share one answer: fewer polls per viewer, each
   * costing a request and an answer. Default 50 ms (at most that much latency added).
   */
  coalesceMs?: number;
  /** The client address a request counts against (the edge's rule); default: the socket's peer. */
  clientIp?: (req: IncomingMessage) => string;
  logger?: RtmpLogger;
  /** Every answer, for metrics: the refusal reason, or undefined for a 200. */
  onAnswer?: (status: number, reason: RtmptRefusal | undefined) => void;
}

/** The sweep (session reaping, idle events) runs this often. */
const SWEEP_MS = 1000;
/** Held polls and body deadlines are checked at least this often (one timer for all of them). */
const TICK_MS = 25;
const DEFAULT_COALESCE_MS = 50;

const NO_BODY = Buffer.alloc(0);

interface Held {
  readonly res: ServerResponse;
  readonly transport: RtmptTransport;
  readonly until: number;
  readonly listener: RtmptHoldListener;
}

interface Reading {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly until: number;
}

function peerIp(req: IncomingMessage): string {
  const ip = (req.socket.remoteAddress ?? '').toLowerCase();
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * RTMPT over node:http: reads each POST's body (bounded in size and time), hands it to the pure session
 * table (rtmpt/), and writes the answer with a Content-Length (librtmp reads no chunked body). Mount
 * `handle` for the paths `isRtmptPath` accepts on any HTTP server. Cost per poll: one answer buffer;
 * no timer per session or per request (one shared tick, one sweep).
 */
export class RtmptHttpHandler {
  readonly sessions: RtmptSessions;
  private readonly held = new Map<RtmptTransport, Held>();
  private readonly reading = new Set<Reading>();
  private readonly ready = new Set<RtmptTransport>();
  private readonly logger: RtmpLogger;
  private readonly clientIp: (req: IncomingMessage) => string;
  private sweepTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private readonly coalesceMs: number;

  constructor(private readonly opts: RtmptHttpOptions) {
    this.sessions = new RtmptSessions({ ...opts, randomBytes: (n) => randomBytes(n) });
    this.logger = opts.logger ?? silentLogger;
    this.clientIp = opts.clientIp ?? peerIp;
    this.coalesceMs = Math.max(0, opts.coalesceMs ?? DEFAULT_COALESCE_MS);
  }

  start(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(() => this.sessions.sweep(Date.now()), SWEEP_MS);
    this.sweepTimer.unref();
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
  }

  /** Ends every session (their connections see close) and answers held polls. */
  stop(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.tickTimer);
    this.sweepTimer = undefined;
    this.tickTimer = undefined;
    this.sessions.closeAll();
    for (const h of [...this.held.values()]) this.answerHeld(h);
  }

  /** Polls waiting for bytes right now (for stats and tests). */
  get heldPolls(): number {
    return this.held.size;
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'POST') {
      this.respond(res, { status: 405, body: [], bodyLength: 0, reason: 'method' });
      req.resume();
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.opts.maxBodyBytes) {
      // Not read: the connection closes after the answer.
      res.shouldKeepAlive = false;
      this.respond(res, { status: 413, body: [], bodyLength: 0, reason: 'body_too_large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const reading: Reading = { req, res, until: Date.now() + this.opts.bodyTimeoutMs };
    this.reading.add(reading);
    const finish = (): void => {
      if (done) return;
      done = true;
      this.reading.delete(reading);
      const body =
        chunks.length === 0 ? NO_BODY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.answer(req, res, path, body);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > this.opts.maxBodyBytes) {
        done = true;
        this.reading.delete(reading);
        res.shouldKeepAlive = false;
        this.respond(res, { status: 413, body: [], bodyLength: 0, reason: 'body_too_large' });
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', finish);
    req.once('error', () => {
      done = true;
      this.reading.delete(reading);
    });
    req.once('close', () => {
      done = true;
      this.reading.delete(reading);
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    const a = this.sessions.handle({ method: 'POST', path, ip: this.clientIp(req), body, now: Date.now() });
    if (a.hold === undefined) {
      this.respond(res, a);
      return;
    }
    const t = a.hold;
    const h: Held = {
      res,
      transport: t,
      until: Date.now() + this.opts.holdMs,
      listener: {
        ready: () => {
          this.ready.add(t);
          this.scheduleFlush();
        },
        release: () => this.answerHeld(h),
      },
    };
    this.held.set(t, h);
    t.hold(h.listener);
    res.once('close', () => {
      if (this.held.get(t) === h) {
        this.held.delete(t);
        t.hold(undefined);
      }
    });
  }

  private answerHeld(h: Held): void {
    if (this.held.get(h.transport) !== h) return;
    this.held.delete(h.transport);
    h.transport.hold(undefined);
    // A poll whose client went away takes nothing: the bytes wait for the session's next request.
    if (h.res.destroyed || h.res.headersSent) return;
    const poll = h.transport.poll(Date.now());
    this.respond(h.res, { status: 200, body: poll.body, bodyLength: poll.bodyLength });
  }

  /** Bytes were queued for held polls: answer them all together after coalesceMs (or this turn). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const flush = (): void => {
      this.flushScheduled = false;
      for (const t of this.ready) {
        const h = this.held.get(t);
        if (h !== undefined) this.answerHeld(h);
      }
      this.ready.clear();
    };
    if (this.coalesceMs === 0) setImmediate(flush);
    else setTimeout(flush, this.coalesceMs);
  }

  private tick(): void {
    const now = Date.now();
    // Both maps are in deadline order (fixed delays), so the scans stop at the first live entry.
    for (const h of this.held.values()) {
      if (h.until > now) break;
      this.answerHeld(h);
    }
    for (const r of this.reading) {
      if (r.until > now) break;
      this.reading.delete(r);
      this.logger.debug({ remote: r.req.socket.remoteAddress }, 'rtmpt: request body too slow');
      r.res.shouldKeepAlive = false;
      this.respond(r.res, { status: 408, body: [], bodyLength: 0 });
      r.req.socket.destroySoon();
    }
  }

  private respond(res: ServerResponse, a: RtmptAnswer): void {
    this.opts.onAnswer?.(a.status, a.reason);
    if (res.headersSent || res.destroyed) return;
    const body =
      a.body.length === 0 ? NO_BODY : a.body.length === 1 ? a.body[0]! : Buffer.concat(a.body, a.bodyLength);
    res.writeHead(a.status, [
      'Content-Type',
      RTMPT_CONTENT_TYPE,
      'Content-Length',
      String(body.length),
      'Cache-Control',
      'no-cache',
    ]);
    res.end(body);
  }
}
