export { RtmpServerCore } from './rtmp-server-core';
export { RtmpServerConnection } from './server-connection';
export * from './server-options';
export { RtmpServerStream, type ServerConnection, type StreamState } from './server-stream';
export * from './server-types';
