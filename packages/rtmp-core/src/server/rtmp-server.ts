import { EventEmitter } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { silentLogger } from '../logger/rtmp-logger';
import { RtmpServerConnection } from './server-connection';
import type { RtmpServerStream } from './server-stream';
import { DEFAULT_SERVER_OPTIONS, type ResolvedServerOptions, type RtmpServerOptions } from './server-types';

/**
 * RTMP server over node:net. Policy lives in the hooks (authorisation) and in the listeners of the
 * 'connect' / 'publish' / 'play' / 'close' events (wiring streams to broadcasts); see API.md.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface only adds typed EventEmitter overloads.
export class RtmpServer extends EventEmitter {
  readonly connections = new Set<RtmpServerConnection>();
  private readonly options: ResolvedServerOptions;
  private readonly server: Server;
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
    this.server = createServer((socket) => {
      const conn = new RtmpServerConnection(`c${this.nextId++}`, socket, this.options, this);
      this.connections.add(conn);
      conn.once('close', () => this.connections.delete(conn));
      this.emit('connection', conn);
    });
    this.server.on('error', (err) => this.emit('error', err));
  }

  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | null {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  /** Stops accepting, then closes every connection with its onStatus messages (graceful drain, F4). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of [...this.connections]) conn.close('server shutting down');
    return closed;
  }
}

/** Typed events (API.md). */
export interface RtmpServer {
  on(event: 'connection' | 'connect', listener: (conn: RtmpServerConnection) => void): this;
  on(event: 'publish' | 'play', listener: (stream: RtmpServerStream) => void): this;
  on(event: 'close', listener: (conn: RtmpServerConnection, reason: string) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'publish' | 'play', listener: (stream: RtmpServerStream) => void): this;
  once(event: 'connection' | 'connect', listener: (conn: RtmpServerConnection) => void): this;
}
