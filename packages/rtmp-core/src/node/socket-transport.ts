import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { type RtmpDialer, type RtmpTransport, type TransportHandlers } from '../transport/transport';

/**
 * A net.Socket (or a tls.TLSSocket, which is one) as an RTMP transport: the adapter behind every TCP and
 * TLS connection. Writes of several buffers are corked into one syscall; a single buffer (a broadcast's
 * merged batch) is written as it is.
 */
export class SocketTransport implements RtmpTransport {
  constructor(
    private readonly socket: Socket,
    readonly kind: 'tcp' | 'tls' | string = 'tcp',
  ) {}

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  start(handlers: TransportHandlers, idleTimeoutMs: number): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    if (idleTimeoutMs > 0) {
      // on, not setTimeout's callback, which is a once listener: an idle event may come again.
      socket.setTimeout(idleTimeoutMs);
      socket.on('timeout', () => handlers.idle());
    }
    socket.on('data', (data: Buffer) => handlers.data(data));
    socket.on('error', (err: NodeJS.ErrnoException) => handlers.error(err));
    socket.on('close', () => handlers.close());
    socket.on('drain', () => handlers.drain());
  }

  write(buffers: readonly Buffer[]): void {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    if (buffers.length === 1) {
      socket.write(buffers[0]!);
      return;
    }
    socket.cork();
    for (const b of buffers) socket.write(b);
    socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Spec 4.1 / RTMP URL convention: 1935 for rtmp://; RTMPS conventionally 443. */
const DEFAULT_PORTS: Record<string, number> = { 'rtmp:': 1935, 'rtmps:': 443 };

/**
 * The default dialer of RtmpClient: rtmp:// over TCP, rtmps:// over TLS. TLS verifies the server's
 * certificate unless `tls.rejectUnauthorized` is false (a local self-signed edge).
 */
export function socketDialer(tls: ConnectionOptions = {}): RtmpDialer {
  return (url, timeoutMs) =>
    new Promise<RtmpTransport>((resolve, reject) => {
      const port = Number(url.port || DEFAULT_PORTS[url.protocol] || 1935);
      // URL keeps brackets around an IPv6 literal; sockets want the bare address.
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      let socket: Socket;
      if (url.protocol === 'rtmp:') socket = tcpConnect(port, host);
      // SNI names hosts only (RFC 6066 §3): an IP literal sends none (node warns about it otherwise).
      else if (url.protocol === 'rtmps:')
        socket = tlsConnect({ ...(isIP(host) ? {} : { servername: host }), ...tls, port, host });
      else {
        reject(new RtmpError(RtmpErrorCode.State, `no transport for ${url.protocol} URLs`));
        return;
      }
      const kind = url.protocol === 'rtmps:' ? 'tls' : 'tcp';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RtmpError(RtmpErrorCode.Timeout, `connecting took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', fail);
      socket.once(kind === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new SocketTransport(socket, kind));
      });
    });
}
