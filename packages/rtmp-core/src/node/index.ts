/**
 * `@tributary/rtmp-core/node`: the adapters that put the transport-free protocol on Node's sockets. RTMP
 * over TCP (RtmpServer's listener, RtmpClient's default dialer), over TLS (SocketTransport on a
 * tls.TLSSocket, rtmps:// URLs), over HTTP (RtmptHttpHandler serves RTMPT, rtmptDialer dials rtmpt://).
 * Everything else (codecs, messages, connections, broadcasts) is in
 * `@tributary/rtmp-core`, which loads no socket module.
 */
export {
  type NodeClientOptions,
  ReconnectingPublisher,
  type ReconnectingPublisherOptions,
  RtmpClient,
} from './rtmp-client';
export { RtmpServer } from './rtmp-server';
export { type RtmptDialerOptions, rtmptDialer } from './rtmpt-client-transport';
export { RtmptHttpHandler, type RtmptHttpOptions } from './rtmpt-http';
export { SocketTransport, socketDialer } from './socket-transport';
