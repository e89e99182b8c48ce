export { RtmpClientStream } from './client-stream';
export {
  connectRedirectOf,
  MAX_REDIRECT_HOPS,
  RtmpClient,
  type RtmpClientOptions,
} from './rtmp-client';
