import { type ConnectionOptions } from 'node:tls';
import {
  ReconnectingPublisherCore,
  type ReconnectingPublisherCoreOptions,
} from '../client/reconnecting-publisher';
import { RtmpClientCore, type RtmpClientOptions } from '../client/rtmp-client';
import { type RtmpDialer } from '../transport/transport';
import { socketDialer } from './socket-transport';

export interface NodeClientOptions extends RtmpClientOptions {
  /** Overrides the TCP/TLS dialer (an RTMPT tunnel, a test transport). */
  dial?: RtmpDialer;
  /** TLS options for rtmps:// (e.g. `{ rejectUnauthorized: false }` for a local self-signed edge). */
  tls?: ConnectionOptions;
}

/** RtmpClientCore dialing rtmp:// over TCP and rtmps:// over TLS. */
export class RtmpClient extends RtmpClientCore {
  constructor(options: NodeClientOptions) {
    super({ ...options, dial: options.dial ?? socketDialer(options.tls) });
  }
}

export interface ReconnectingPublisherOptions extends Omit<ReconnectingPublisherCoreOptions, 'dial'> {
  dial?: RtmpDialer;
  tls?: ConnectionOptions;
}

/** ReconnectingPublisherCore dialing like RtmpClient. */
export class ReconnectingPublisher extends ReconnectingPublisherCore {
  constructor(options: ReconnectingPublisherOptions) {
    super({ ...options, dial: options.dial ?? socketDialer(options.tls) });
  }
}
