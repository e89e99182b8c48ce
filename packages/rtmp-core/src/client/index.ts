export { RtmpClient, type RtmpClientOptions } from './rtmp-client';
export { RtmpClientStream } from './client-stream';
