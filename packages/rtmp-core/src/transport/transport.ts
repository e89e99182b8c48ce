/**
 * The byte pipe an RTMP connection runs on, without saying what carries it: a TCP socket, a TLS socket,
 * an RTMPT session (RTMP tunnelled through HTTP polls) or an in-memory pair in a test. Server and client
 * connections only ever see this interface, so the protocol code loads no socket module; the adapters for
 * node:net and node:tls live behind the `@tributary/rtmp-core/node` entry point.
 */

/** What a transport reports to the connection running on it. */
export interface TransportHandlers {
  /** Bytes from the peer, in order. */
  data(bytes: Buffer): void;
  /** The write backlog emptied: `writableLength` is back to 0 after it rose. */
  drain(): void;
  /** No byte either way for the idle timeout given to start(); may fire again later. */
  idle(): void;
  /** A transport failure; `code` 'ECONNRESET' or 'EPIPE' for a peer that went away. */
  error(err: Error & { code?: string }): void;
  /** The transport is gone (fires once, after error when there was one). */
  close(): void;
}

export interface RtmpTransport {
  /** What carries the bytes ('tcp', 'tls', 'rtmpt', 'memory', ...): for logs and stats. */
  readonly kind: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Bytes written that the peer has not taken yet (the kernel's send queue aside). */
  readonly writableLength: number;
  /** True once nothing more can be written (ended or destroyed). */
  readonly destroyed: boolean;
  /** Called once by the connection; `idleTimeoutMs` 0 means no idle events. */
  start(handlers: TransportHandlers, idleTimeoutMs: number): void;
  /** Buffers go out in order; one call per batch (a transport may coalesce them). */
  write(buffers: readonly Buffer[]): void;
  /** Stops delivering data() until resume(): the peer is held back (backpressure). */
  pause(): void;
  resume(): void;
  /** Graceful: what was written is delivered, then the transport closes. */
  end(): void;
  /** Now: unsent bytes are dropped. */
  destroy(): void;
}

/** Opens a client transport to an rtmp:// (or rtmps://, rtmpt://) URL; resolves once bytes can flow. */
export type RtmpDialer = (url: URL, timeoutMs: number) => Promise<RtmpTransport>;
