import { Broadcast, type BroadcastOptions } from '../broadcast/broadcast';
import { type RtmpLogger } from '../logger/rtmp-logger';
import { RtmpServerCore } from '../server/rtmp-server-core';
import { type RtmpServerOptions } from '../server/server-options';
import { memoryTransportPair } from '../transport/memory-transport';
import { type RtmpDialer } from '../transport/transport';

/**
 * The minimal edge's wiring, on any server: one Broadcast per stream name, publishers feed it, players
 * subscribe to it (apps/edge does the same with authorisation added).
 */
export function wireBroadcasts(
  server: RtmpServerCore,
  logger?: RtmpLogger,
  broadcastOptions: BroadcastOptions = {},
): Map<string, Broadcast> {
  const broadcasts = new Map<string, Broadcast>();
  const broadcastFor = (name: string): Broadcast => {
    let b = broadcasts.get(name);
    if (b === undefined) {
      b = new Broadcast(logger ? { ...broadcastOptions, name, logger } : { ...broadcastOptions, name });
      broadcasts.set(name, b);
    }
    return b;
  };
  server.on('publish', (stream) => {
    const b = broadcastFor(stream.publishRequest?.name ?? '');
    b.start();
    stream.on('media', (m) => b.pushMedia(m));
    stream.on('metadata', (meta, ts) => b.setMetadata(meta, ts));
    stream.once('unpublish', () => b.stop());
  });
  server.on('play', (stream) => {
    const b = broadcastFor(stream.playRequest?.name ?? '');
    b.subscribe(stream);
    stream.once('stop', () => b.unsubscribe(stream));
  });
  return broadcasts;
}

export interface MemoryLiveServer {
  readonly server: RtmpServerCore;
  readonly broadcasts: Map<string, Broadcast>;
  /** An RtmpClientCore dialer: each call is a new connection to this server over memoryTransportPair(). */
  readonly dial: RtmpDialer;
  close(): void;
}

/** The same minimal edge without a port: clients reach it through `dial` (tests of protocol behaviour). */
export function startMemoryLiveServer(
  options: RtmpServerOptions = {},
  logger?: RtmpLogger,
  broadcastOptions: BroadcastOptions = {},
): MemoryLiveServer {
  const server = new RtmpServerCore(logger ? { ...options, logger } : options);
  const broadcasts = wireBroadcasts(server, logger, broadcastOptions);
  let port = 50_000;
  const dial: RtmpDialer = async () => {
    const [serverSide, clientSide] = memoryTransportPair({ remoteAddress: '127.0.0.1', remotePort: port++ });
    server.accept(serverSide);
    return clientSide;
  };
  return { server, broadcasts, dial, close: () => server.closeConnections() };
}
