import { type AmfLimits } from '../amf';
import { type ChunkLimits } from '../chunk/chunk-constants';
import {
  type ConnectRequest,
  type PlayRequest,
  type PublishRequest,
  type SubscribeRequest,
} from '../command/requests';
import { type RtmpLogger } from '../logger/rtmp-logger';
import { type RtmpServerStream, type ServerConnection } from './server-stream';
import { type HookResult } from './server-types';

/** Asynchronous authorisation, one hook per step. A throwing hook denies (fail closed). */
export interface RtmpServerHooks {
  onConnect?(conn: ServerConnection, req: ConnectRequest): HookResult;
  onPublish?(stream: RtmpServerStream, req: PublishRequest): HookResult;
  onPlay?(stream: RtmpServerStream, req: PlayRequest): HookResult;
  /**
   * FCSubscribe: is the stream live (anywhere it can be played from here)? true answers `onFCSubscribe`
   * NetStream.Play.Start, false (or a throw) NetStream.Play.StreamNotFound. Absent: always Play.Start.
   * It answers a question, it authorises nothing: the play that follows passes onPlay as usual.
   */
  onSubscribe?(conn: ServerConnection, req: SubscribeRequest): boolean | Promise<boolean>;
  /**
   * getStreamLength(name): the length in seconds of the recorded stream `name` (the play name, query
   * split off), as FMS answers it for a player's progress bar; 0 for live or unknown names (the
   * default without the hook). A throw answers 0.
   */
  onStreamLength?(conn: ServerConnection, req: SubscribeRequest): number | Promise<number>;
}

export interface RtmpServerOptions {
  hooks?: RtmpServerHooks;
  logger?: RtmpLogger;
  chunkSize?: number;
  windowAckSize?: number;
  peerBandwidth?: number;
  handshakeTimeoutMs?: number;
  idleTimeoutMs?: number;
  chunkLimits?: Partial<ChunkLimits>;
  amfLimits?: Partial<AmfLimits>;
  maxStreamsPerConnection?: number;
  maxPendingMediaBytes?: number;
  /**
   * Commands one connection may send: `burst` at once, `perSecond` on average (a token bucket). A
   * connection over it is closed: its commands cost hook calls, replies and GOP replays.
   */
  commandRate?: { perSecond: number; burst: number };
  /**
   * Bytes of data messages (onMetaData, onCuePoint, onTextData) a publisher may send: `burst` at once,
   * `bytesPerSecond` on average. They are decoded as AMF, which costs CPU per byte; past it the
   * connection is closed.
   */
  dataRate?: { bytesPerSecond: number; burst: number };
  /**
   * Commands received but not yet run (waiting behind a hook): at this many the peer's input is no
   * longer read until half have run; four times this (one read can carry many) closes the connection.
   */
  maxQueuedCommands?: number;
  /** Items a play list may hold behind the current one (play reset=false, play2 append). */
  maxPlayListItems?: number;
  /**
   * Bytes written to a peer that has not read them yet, past which the connection is closed: a peer
   * that stops reading cannot make the server buffer without bound. Broadcasts skip a slow viewer to
   * the next keyframe well below this (their maxQueueBytes); this catches everything else.
   */
  maxWriteBufferBytes?: number;
  /** While this many written bytes wait for the peer, its input is not read (its commands wait too). */
  readPauseBytes?: number;
  /** Log lines one connection may cause (RateLimitedLogger); 'opened' and 'closed' always pass. */
  logRate?: { perSecond: number; burst: number };
}

export type ResolvedServerOptions = Required<Omit<RtmpServerOptions, 'chunkLimits' | 'amfLimits'>> & {
  chunkLimits: Partial<ChunkLimits>;
  amfLimits: Partial<AmfLimits>;
};

export const DEFAULT_SERVER_OPTIONS = {
  /**
   * 4096: large enough that a 3 Mbps frame is 4 chunks (the per-chunk write cost dominates the fan-out),
   * small enough that audio is not stuck behind a keyframe for long; every peer we test accepts it.
   */
  chunkSize: 4096,
  /** 2.5 MB: the value FMS, nginx-rtmp and SRS announce; FFmpeg and librtmp ack at this pace. */
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  /** A stalled handshake is closed within 10 s (slow-loris peers hold no socket for long). */
  handshakeTimeoutMs: 10_000,
  /** No byte in either direction for 30 s: the peer is gone (half-open TCP). */
  idleTimeoutMs: 30_000,
  /** createStream per connection: encoders use 1, players up to a handful (play2, multi-bitrate). */
  maxStreamsPerConnection: 8,
  /** Media held while onPublish runs: ~10 s of a 3 Mbps stream, far more than an auth round trip. */
  maxPendingMediaBytes: 4 * 1024 * 1024,
  /**
   * An encoder sends ~6 commands to start and a player ~4; 200 at once and 50 a second leave every real
   * client (and play-list or play2-switching players) far below it.
   */
  commandRate: { perSecond: 50, burst: 200 },
  /**
   * Encoders send onMetaData once (a few hundred bytes) and captions a few hundred bytes a second;
   * 1 MiB at once still admits a large keyframe index.
   */
  dataRate: { bytesPerSecond: 64 * 1024, burst: 1024 * 1024 },
  /** Hooks run one at a time, so a real client has one or two commands waiting at most. */
  maxQueuedCommands: 64,
  maxPlayListItems: 32,
  /** 8 MiB: above a broadcast's default per-viewer queue (4 MiB) plus a large keyframe. */
  maxWriteBufferBytes: 8 * 1024 * 1024,
  /** 1 MiB: a few hundred ms of a 3 Mbps stream; a reading peer drains it at once. */
  readPauseBytes: 1024 * 1024,
  /** 50 lines at once, then one a second: a real connection writes fewer than ten in its life. */
  logRate: { perSecond: 1, burst: 50 },
};
