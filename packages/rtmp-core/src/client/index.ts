export { type ClientStreamHost, RtmpClientStream } from './client-stream';
export {
  ReconnectingPublisherCore,
  type ReconnectingPublisherCoreOptions,
} from './reconnecting-publisher';
export {
  connectRedirectOf,
  MAX_REDIRECT_HOPS,
  RtmpClientCore,
  type RtmpClientCoreOptions,
  type RtmpClientOptions,
} from './rtmp-client';
