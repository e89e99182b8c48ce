import { type AddressInfo, createServer, type Server } from 'node:net';
import { RtmpServerCore } from '../server/rtmp-server-core';
import { type RtmpServerOptions } from '../server/server-options';
import { SocketTransport } from './socket-transport';

/**
 * RTMP server over node:net: RtmpServerCore with a TCP listener. Other transports (TLS, RTMPT) reach the
 * same connections, hooks and events through accept().
 */
export class RtmpServer extends RtmpServerCore {
  private readonly server: Server;

  constructor(options: RtmpServerOptions = {}) {
    super(options);
    this.server = createServer((socket) => this.accept(new SocketTransport(socket, 'tcp')));
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

  /** Stops accepting, then closes every connection with its onStatus messages (graceful drain). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeConnections();
    return closed;
  }
}
