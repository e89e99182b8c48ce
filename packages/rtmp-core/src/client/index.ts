export { RtmpClientStream } from './client-stream';
export { RtmpClient, type RtmpClientOptions } from './rtmp-client';
