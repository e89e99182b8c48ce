export { RtmpClientStream } from './client-stream';
export { ReconnectingPublisher, type ReconnectingPublisherOptions } from './reconnecting-publisher';
export {
  connectRedirectOf,
  MAX_REDIRECT_HOPS,
  RtmpClient,
  type RtmpClientOptions,
} from './rtmp-client';
