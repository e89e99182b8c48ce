export * from './net-connection-machine';
export * from './net-stream-machine';
export { RtmpServerCore } from './rtmp-server-core';
export { RtmpServerConnection } from './server-connection';
export * from './server-options';
export { RtmpServerStream, type ServerConnection } from './server-stream';
export * from './server-types';
