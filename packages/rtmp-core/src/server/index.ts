export { RtmpServer } from './rtmp-server';
export { RtmpServerConnection } from './server-connection';
export { RtmpServerStream, type StreamState } from './server-stream';
export * from './server-types';
