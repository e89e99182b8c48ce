import http from 'node:http';
import type { RtmpDialer, RtmpTransport, TransportHandlers } from '../transport/transport';

/** Largest answer body the client takes (a server queueing more for one poll is not one we trust). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** After an empty answer the next idle poll waits this long (a server that holds polls answers at once). */
const EMPTY_POLL_DELAY_MS = 20;
const PAD = Buffer.from([0]);
const DEFAULT_PORT = 80;

export interface RtmptDialerOptions {
  /** Sockets for the polls (keep-alive); default: one shared keep-alive agent. */
  agent?: http.Agent;
  /** Dials URLs that are not rtmpt:// (e.g. socketDialer()); without it they are refused. */
  fallback?: RtmpDialer;
}

const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

interface Answer {
  status: number;
  body: Buffer;
}

function post(
  agent: http.Agent,
  host: string,
  port: number,
  path: string,
  body: Buffer,
  timeoutMs: number,
  onRequest: (req: http.ClientRequest) => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host,
        port,
        path,
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-fcs',
          'Content-Length': body.length,
          'Cache-Control': 'no-cache',
          'User-Agent': 'Shockwave Flash',
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new Error('rtmpt answer too large'));
            return;
          }
          chunks.push(c);
        });
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
          }),
        );
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('rtmpt poll timed out')));
    req.once('error', reject);
    onRequest(req);
    req.end(body);
  });
}

/**
 * The client end of an RTMPT session (RTMP in HTTP POSTs, as FFmpeg's rtmpt:// does it): one request in
 * flight at a time, a send when bytes wait, else an idle poll; the answer's bytes (after its interval
 * byte) come out of data(). Paused: no poll goes out until resume(), so the server's queue (its
 * writableLength) fills as it would behind a TCP window.
 */
class RtmptClientTransport implements RtmpTransport {
  readonly kind = 'rtmpt';
  private handlers: TransportHandlers | undefined;
  private outbox: Buffer[] = [];
  private outBytes = 0;
  private inFlightBytes = 0;
  private seq = 0;
  private busy = false;
  private paused = false;
  private ending = false;
  private closed = false;
  private inbox: Buffer[] = [];
  private current: http.ClientRequest | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastByteAt = Date.now();

  constructor(
    private readonly agent: http.Agent,
    private readonly host: string,
    readonly remotePort: number,
    private readonly sessionId: string,
    private readonly timeoutMs: number,
  ) {}

  get remoteAddress(): string {
    return this.host;
  }

  get writableLength(): number {
    return this.outBytes + this.inFlightBytes;
  }

  get destroyed(): boolean {
    return this.ending || this.closed;
  }

  start(handlers: TransportHandlers, idleTimeoutMs: number): void {
    this.handlers = handlers;
    if (idleTimeoutMs > 0) {
      this.idleTimer = setInterval(
        () => {
          if (Date.now() - this.lastByteAt >= idleTimeoutMs) {
            this.lastByteAt = Date.now();
            this.handlers?.idle();
          }
        },
        Math.max(100, idleTimeoutMs / 2),
      );
      this.idleTimer.unref();
    }
    this.pump();
  }

  write(buffers: readonly Buffer[]): void {
    if (this.destroyed) return;
    for (const b of buffers) {
      if (b.length === 0) continue;
      this.outbox.push(b);
      this.outBytes += b.length;
    }
    if (this.delayTimer !== undefined) {
      clearTimeout(this.delayTimer);
      this.delayTimer = undefined;
    }
    this.pump();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (!this.paused && !this.closed && this.inbox.length > 0) this.handlers?.data(this.inbox.shift()!);
    this.pump();
  }

  end(): void {
    if (this.destroyed) return;
    this.ending = true;
    this.pump();
  }

  destroy(): void {
    if (this.closed) return;
    this.current?.destroy();
    this.shutDown(undefined);
  }

  /** Sends the next request if none is in flight: close when ending and flushed, send, or idle. */
  private pump(): void {
    if (this.busy || this.closed || this.handlers === undefined || this.delayTimer !== undefined) return;
    if (this.paused && this.outBytes === 0 && !this.ending) return;
    let command: 'send' | 'idle' | 'close';
    let body: Buffer;
    if (this.outBytes > 0) {
      command = 'send';
      body = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox, this.outBytes);
      this.inFlightBytes = this.outBytes;
      this.outbox = [];
      this.outBytes = 0;
    } else if (this.ending) {
      command = 'close';
      body = PAD;
    } else {
      command = 'idle';
      body = PAD;
    }
    this.busy = true;
    const path = `/${command}/${this.sessionId}/${this.seq++}`;
    post(this.agent, this.host, this.remotePort, path, body, this.timeoutMs, (r) => {
      this.current = r;
    }).then(
      (a) => this.answered(command, a),
      (err: Error & { code?: string }) => this.failed(err),
    );
  }

  private answered(command: 'send' | 'idle' | 'close', a: Answer): void {
    this.busy = false;
    this.current = undefined;
    if (this.closed) return;
    if (command === 'close') {
      this.shutDown(undefined);
      return;
    }
    if (a.status !== 200 || a.body.length === 0) {
      const err: Error & { code?: string } = new Error(`rtmpt server answered ${a.status}`);
      err.code = 'ECONNRESET';
      this.shutDown(err);
      return;
    }
    const sent = this.inFlightBytes;
    this.inFlightBytes = 0;
    const data = a.body.subarray(1);
    if (data.length > 0) {
      this.lastByteAt = Date.now();
      if (this.paused || this.inbox.length > 0) this.inbox.push(data);
      else this.handlers?.data(data);
    }
    if (sent > 0 && this.writableLength === 0) this.handlers?.drain();
    if (this.closed) return;
    if (data.length === 0 && this.outBytes === 0 && !this.ending) {
      this.delayTimer = setTimeout(() => {
        this.delayTimer = undefined;
        this.pump();
      }, EMPTY_POLL_DELAY_MS);
      return;
    }
    this.pump();
  }

  private failed(err: Error & { code?: string }): void {
    this.busy = false;
    this.current = undefined;
    if (this.closed) return;
    if (err.code === undefined) err.code = 'ECONNRESET';
    this.shutDown(err);
  }

  private shutDown(err: (Error & { code?: string }) | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.ending = true;
    clearTimeout(this.delayTimer);
    clearInterval(this.idleTimer);
    this.outbox = [];
    this.outBytes = 0;
    this.inFlightBytes = 0;
    if (err !== undefined) this.handlers?.error(err);
    this.handlers?.close();
  }
}

/**
 * A dialer for rtmpt:// URLs (RTMP tunnelled through HTTP; default port 80): POST /open/1, then the
 * session's sends and idle polls. Other schemes go to `fallback` (e.g. socketDialer()) or are refused.
 * Pass it as RtmpClient's `dial`.
 */
export function rtmptDialer(options: RtmptDialerOptions = {}): RtmpDialer {
  const agent = options.agent ?? sharedAgent;
  return async (url, timeoutMs) => {
    if (url.protocol !== 'rtmpt:') {
      if (options.fallback) return options.fallback(url, timeoutMs);
      throw new Error(`rtmptDialer: ${url.protocol} is not rtmpt:`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
    const a = await post(agent, host, port, '/open/1', PAD, timeoutMs, () => {});
    const id = a.body.toString('latin1').trim();
    if (a.status !== 200 || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      const err: Error & { code?: string } = new Error(`rtmpt open refused (${a.status})`);
      err.code = 'ECONNREFUSED';
      throw err;
    }
    return new RtmptClientTransport(agent, host, port, id, timeoutMs);
  };
}
