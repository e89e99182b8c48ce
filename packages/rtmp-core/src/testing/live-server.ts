import { Broadcast, type BroadcastOptions } from '../broadcast/broadcast';
import { type RtmpLogger } from '../logger/rtmp-logger';
import { RtmpServer } from '../node/rtmp-server';
import { type RtmpServerOptions } from '../server/server-options';

/**
 * The minimal edge the tests and the bench run against: one Broadcast per stream name, publishers feed it,
 * players subscribe to it. It shows the wiring apps/edge does (with authorisation added there).
 */
export interface LiveServer {
  readonly server: RtmpServer;
  readonly port: number;
  readonly broadcasts: Map<string, Broadcast>;
  close(): Promise<void>;
}

export async function startLiveServer(
  options: RtmpServerOptions = {},
  logger?: RtmpLogger,
  broadcastOptions: BroadcastOptions = {},
): Promise<LiveServer> {
  const server = new RtmpServer(logger ? { ...options, logger } : options);
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
  const { port } = await server.listen(0);
  return { server, port, broadcasts, close: () => server.close() };
}
