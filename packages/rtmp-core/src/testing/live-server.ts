import { type Broadcast, type BroadcastOptions } from '../broadcast/broadcast';
import { type RtmpLogger } from '../logger/rtmp-logger';
import { RtmpServer } from '../node/rtmp-server';
import { type RtmpServerOptions } from '../server/server-options';
import { wireBroadcasts } from './memory-live-server';

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
  const broadcasts = wireBroadcasts(server, logger, broadcastOptions);
  const { port } = await server.listen(0);
  return { server, port, broadcasts, close: () => server.close() };
}
