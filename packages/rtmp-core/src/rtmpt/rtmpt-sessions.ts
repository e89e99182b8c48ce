import { parseRtmptPath, type RtmptRequestLine } from './rtmpt-request';
import { intervalByte, type RtmptPoll, RtmptTransport } from './rtmpt-transport';

/** The content type of every RTMPT request and answer. */
export const RTMPT_CONTENT_TYPE = 'application/x-fcs';

export interface RtmptSessionsOptions {
  /** A new session's transport, to run an RTMP connection on (the edge: `rtmpServer.accept(t)`). */
  accept(transport: RtmptTransport): void;
  /** Sessions open at once; /open/1 past it is 503. */
  maxSessions: number;
  /** Sessions open at once from one client address. */
  maxSessionsPerIp: number;
  /** A session with no request for this long is reaped (its connection sees a reset). */
  sessionTimeoutMs: number;
  /** Largest request body accepted (a send carries RTMP bytes; ident/open/idle/close one byte). */
  maxBodyBytes: number;
  /** Bytes queued for a client past which its session is dropped. */
  maxBufferedBytes: number;
  /** Bytes from a client held while its connection reads nothing (paused). Default 2 × maxBodyBytes. */
  maxPendingInputBytes?: number;
  /** Unpredictable bytes for session ids (default globalThis.crypto.getRandomValues). */
  randomBytes?: (n: number) => Uint8Array;
}

/** An RTMPT request as the HTTP layer read it. `ip` is the normalised client address. */
export interface RtmptRequest {
  readonly method: string;
  readonly path: string;
  readonly ip: string;
  readonly body: Buffer;
  readonly now: number;
}

/**
 * What to answer. `status` 200 answers carry `body` (content type application/x-fcs, a Content-Length:
 * librtmp reads no chunked body). `hold` is set on an idle poll that found nothing queued: the HTTP
 * layer may wait (bounded) for the transport's output before it takes the body with `hold.poll(now)`.
 */
export interface RtmptAnswer {
  readonly status: number;
  readonly body: readonly Buffer[];
  readonly bodyLength: number;
  readonly hold?: RtmptTransport;
  /** Short reason of a refusal, for logs and metrics (never the session id). */
  readonly reason?: RtmptRefusal;
}

export type RtmptRefusal =
  | 'method'
  | 'not_found'
  | 'unknown_session'
  | 'bad_sequence'
  | 'body_too_large'
  | 'too_many_sessions'
  | 'too_many_sessions_from_address';

const EMPTY: readonly Buffer[] = [];
const NEWLINE = Buffer.from('\n');
const CLOSE_BODY = [intervalByte(0)];
/** Session id bytes: 128 bits, written as 32 hex digits. */
const ID_BYTES = 16;

function refuse(status: number, reason: RtmptRefusal): RtmptAnswer {
  return { status, body: EMPTY, bodyLength: 0, reason };
}

function ok(poll: RtmptPoll): RtmptAnswer {
  return { status: 200, body: poll.body, bodyLength: poll.bodyLength };
}

interface Session {
  readonly transport: RtmptTransport;
  readonly ip: string;
  /** The seq the next request must carry; undefined until the first one (0 or 1 accepted). */
  nextSeq: number | undefined;
  lastRequestAt: number;
}

function defaultRandomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;
  if (c === undefined) throw new Error('RtmptSessions: no randomBytes and no globalThis.crypto');
  return c.getRandomValues(new Uint8Array(n));
}

/**
 * The RTMPT session table: answers each request, pure (no I/O, no timers; the HTTP layer calls
 * `sweep(now)` about once a second). Rules, each checked before a byte moves:
 * - ids are 128 random bits; an id is bound to the address that opened it: from any other address it
 *   is unknown (404), so a leaked id cannot be used to read or inject from elsewhere;
 * - seq: the first request after open carries 0 (FFmpeg, librtmp) or 1, then each one exactly one more.
 *   A replayed, skipped or reordered seq is refused (400) and changes nothing: the session goes on, so a
 *   forged request can neither inject bytes, take queued bytes nor end it. A close may name no seq;
 * - caps: maxSessions, maxSessionsPerIp (503 on open), maxBodyBytes (413);
 * - a session with no request for sessionTimeoutMs is reaped; its connection sees ECONNRESET.
 */
export class RtmptSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly perIp = new Map<string, number>();
  private readonly randomBytes: (n: number) => Uint8Array;
  private readonly maxPendingInputBytes: number;

  constructor(private readonly opts: RtmptSessionsOptions) {
    this.randomBytes = opts.randomBytes ?? defaultRandomBytes;
    this.maxPendingInputBytes = opts.maxPendingInputBytes ?? opts.maxBodyBytes * 2;
  }

  get size(): number {
    return this.sessions.size;
  }

  sessionsFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  /** The transport of a session (for tests and tools); undefined when unknown. */
  transport(sessionId: string): RtmptTransport | undefined {
    return this.sessions.get(sessionId)?.transport;
  }

  handle(req: RtmptRequest): RtmptAnswer {
    if (req.method !== 'POST') return refuse(405, 'method');
    const line = parseRtmptPath(req.path);
    if (line === undefined) return refuse(404, 'not_found');
    if (req.body.length > this.opts.maxBodyBytes) return refuse(413, 'body_too_large');
    switch (line.command) {
      case 'ident':
        // FMS and Wowza answer 404 here; Flash Player then opens a session as usual.
        return refuse(404, 'not_found');
      case 'open':
        return this.open(req);
      default:
        return this.onSession(line, req);
    }
  }

  /** Reaps sessions silent for sessionTimeoutMs and drives each transport's idle(). */
  sweep(now: number): void {
    for (const s of this.sessions.values()) {
      if (now - s.lastRequestAt >= this.opts.sessionTimeoutMs) {
        s.transport.fail('rtmpt session timed out (no poll)', 'ECONNRESET');
      } else s.transport.tick(now);
    }
  }

  /** Every session ends now (shutdown). */
  closeAll(): void {
    for (const s of [...this.sessions.values()]) s.transport.destroy();
  }

  private open(req: RtmptRequest): RtmptAnswer {
    if (this.sessions.size >= this.opts.maxSessions) return refuse(503, 'too_many_sessions');
    const fromIp = this.perIp.get(req.ip) ?? 0;
    if (fromIp >= this.opts.maxSessionsPerIp) return refuse(503, 'too_many_sessions_from_address');
    let id = this.newId();
    while (this.sessions.has(id)) id = this.newId();
    const transport = new RtmptTransport(
      id,
      req.ip,
      { maxBufferedBytes: this.opts.maxBufferedBytes, maxPendingInputBytes: this.maxPendingInputBytes },
      req.now,
    );
    const session: Session = { transport, ip: req.ip, nextSeq: undefined, lastRequestAt: req.now };
    this.sessions.set(id, session);
    this.perIp.set(req.ip, fromIp + 1);
    transport.onClosed = () => this.forget(id, req.ip);
    this.opts.accept(transport);
    if (transport.isClosed) return refuse(503, 'too_many_sessions');
    const body = Buffer.from(id, 'latin1');
    return { status: 200, body: [body, NEWLINE], bodyLength: body.length + 1 };
  }

  private onSession(line: RtmptRequestLine, req: RtmptRequest): RtmptAnswer {
    const s = this.sessions.get(line.sessionId!);
    if (s === undefined || s.ip !== req.ip) return refuse(404, 'unknown_session');
    const t = s.transport;
    if (line.seq === undefined ? line.command !== 'close' : !this.seqOk(s, line.seq))
      return refuse(400, 'bad_sequence');
    if (line.seq !== undefined) s.nextSeq = line.seq + 1;
    s.lastRequestAt = req.now;
    t.releaseHold();
    switch (line.command) {
      case 'close':
        t.destroy();
        return { status: 200, body: CLOSE_BODY, bodyLength: 1 };
      case 'send':
        if (!t.receive(req.body, req.now)) return refuse(404, 'unknown_session');
        return ok(t.poll(req.now));
      default:
        // idle: its one-byte body is padding, not RTMP
        if (!t.hasOutput) return { status: 200, body: EMPTY, bodyLength: 0, hold: t };
        return ok(t.poll(req.now));
    }
  }

  private seqOk(s: Session, seq: number): boolean {
    return s.nextSeq === undefined ? seq === 0 || seq === 1 : seq === s.nextSeq;
  }

  private forget(id: string, ip: string): void {
    if (!this.sessions.delete(id)) return;
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(ip, left);
    else this.perIp.delete(ip);
  }

  private newId(): string {
    const bytes = this.randomBytes(ID_BYTES);
    if (bytes.length < ID_BYTES) throw new Error('RtmptSessions: randomBytes returned too few bytes');
    let hex = '';
    for (let i = 0; i < ID_BYTES; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
    return hex;
  }
}
