import { EventEmitter } from 'node:events';
import { silentLogger } from '../logger/rtmp-logger';
import { type RtmpTransport } from '../transport/transport';
import { RtmpServerConnection } from './server-connection';
import { DEFAULT_SERVER_OPTIONS, type ResolvedServerOptions, type RtmpServerOptions } from './server-options';
import type { RtmpServerStream } from './server-stream';

/**
 * The RTMP server without a listener: options, hooks, events and the connections it runs, each on a
 * transport handed to accept(). RtmpServer (`@tributary/rtmp-core/node`) adds the TCP listener; an
 * RTMPT gateway, a TLS listener or a test with memoryTransportPair() hand it their transports the same
 * way. Policy lives in the hooks (authorisation) and in the listeners of the 'connect' / 'publish' /
 * 'play' / 'close' events (wiring streams to broadcasts); see API.md.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface only adds typed EventEmitter overloads.
export class RtmpServerCore extends EventEmitter {
  readonly connections = new Set<RtmpServerConnection>();
  protected readonly options: ResolvedServerOptions;
  private nextId = 1;

  constructor(options: RtmpServerOptions = {}) {
    super();
    this.options = {
      ...DEFAULT_SERVER_OPTIONS,
      hooks: {},
      logger: silentLogger,
      chunkLimits: {},
      amfLimits: {},
      ...options,
    };
  }

  /** Runs an RTMP connection on `transport` (its handshake starts with the peer's first bytes). */
  accept(transport: RtmpTransport): RtmpServerConnection {
    const conn = new RtmpServerConnection(`c${this.nextId++}`, transport, this.options, this);
    this.connections.add(conn);
    conn.once('close', () => this.connections.delete(conn));
    this.emit('connection', conn);
    return conn;
  }

  /** Closes every connection with its onStatus messages (graceful drain). */
  closeConnections(reason = 'server shutting down'): void {
    for (const conn of [...this.connections]) conn.close(reason);
  }
}

/** Typed events (API.md). */
export interface RtmpServerCore {
  on(event: 'connection' | 'connect', listener: (conn: RtmpServerConnection) => void): this;
  on(event: 'publish' | 'play', listener: (stream: RtmpServerStream) => void): this;
  on(event: 'close', listener: (conn: RtmpServerConnection, reason: string) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'publish' | 'play', listener: (stream: RtmpServerStream) => void): this;
  once(event: 'connection' | 'connect', listener: (conn: RtmpServerConnection) => void): this;
}
