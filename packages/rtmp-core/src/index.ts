/**
 * @tributary/rtmp-core: the package door. Layers, bottom up: amf/ and media/ (codecs), bytes/, handshake/,
 * chunk/, message/, session/ (sans-I/O protocol control), then server/ and client/ (the only code on
 * node:net) and broadcast/ (fan-out). See API.md.
 */
export * from './amf';
export * from './broadcast';
export * from './chunk';
export * from './client';
export * from './errors/rtmp-error';
export * from './handshake';
export { nameFingerprint } from './logger/name-fingerprint';
export { type LogRateLimit, RateLimitedLogger } from './logger/rate-limited-logger';
export * from './logger/rtmp-logger';
export * from './media';
export * from './message';
export * from './server';
export * from './session';
