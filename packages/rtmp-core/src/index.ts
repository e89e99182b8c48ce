/**
 * @tributary/rtmp-core: the package door. Layers, bottom up: amf/ and media/ (codecs), bytes/, handshake/,
 * chunk/, message/, session/ (sans-I/O protocol control), transport/ (the byte-pipe interface), rtmpt/ (RTMP
 * tunnelled through HTTP: sessions and their transport, no I/O), then
 * server/ and client/ (connections on any transport) and broadcast/ (fan-out). No socket code loads from
 * here: the TCP/TLS adapters are `@tributary/rtmp-core/node` (src/node/). See API.md.
 */
export * from './amf';
export * from './broadcast';
export * from './chunk';
export * from './client';
export * from './command';
export * from './errors/rtmp-error';
export * from './handshake';
export { nameFingerprint } from './logger/name-fingerprint';
export { type LogRateLimit, RateLimitedLogger } from './logger/rate-limited-logger';
export * from './logger/rtmp-logger';
export * from './media';
export * from './message';
export * from './rtmpt';
export * from './server';
export * from './session';
export * from './transport';
