import { type AmfLimits, type AmfObject, type AmfValue } from '../amf';
import { type ChunkLimits } from '../chunk/chunk-constants';
import { type RtmpLogger } from '../logger/rtmp-logger';
import type { RtmpServerConnection } from './server-connection';
import type { RtmpServerStream } from './server-stream';

export interface ConnectRequest {
  /** `app` of the command object, without any '?query'. */
  readonly app: string;
  /** '' when absent. */
  readonly tcUrl: string;
  /** From tcUrl's query, else from app's '?…'. */
  readonly query: URLSearchParams;
  /** The reply uses the same encoding (spec 7.2.1.1 objectEncoding). */
  readonly objectEncoding: 0 | 3;
  readonly flashVer?: string;
  readonly swfUrl?: string;
  readonly pageUrl?: string;
  readonly command: AmfObject;
  readonly args: readonly AmfValue[];
}

export interface PublishRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  readonly type: 'live' | 'record' | 'append';
}

/**
 * How a play joins the stream's play list: play's `reset` true is 'reset' and false 'append'; play2 carries
 * one of the five NetStreamPlayOptions transitions (AS3 NetStreamPlayTransitions).
 */
export type PlayTransition = 'reset' | 'append' | 'switch' | 'swap' | 'stop';

export interface PlayRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  /** Spec 7.2.2.1: -2 live or recorded (default), -1 live only, ≥ 0 offset into a recording (ms). */
  readonly start: number;
  /** Seconds; -1 until the end (default); > 0: play that long, then the next item; 0: API.md play lists. */
  readonly duration: number;
  readonly reset: boolean;
  readonly transition: PlayTransition;
  readonly command: 'play' | 'play2';
}

export type HookDecision =
  | { allow: true }
  | { allow: false; code?: string; description?: string; redirect?: string };

// biome-ignore lint/suspicious/noConfusingVoidType: a hook that allows may return nothing (`async () => {}`).
export type HookResult = HookDecision | void | Promise<HookDecision | void>;

/** Asynchronous authorisation, one hook per step (STYLE 14). A throwing hook denies (fail closed). */
export interface RtmpServerHooks {
  onConnect?(conn: RtmpServerConnection, req: ConnectRequest): HookResult;
  onPublish?(stream: RtmpServerStream, req: PublishRequest): HookResult;
  onPlay?(stream: RtmpServerStream, req: PlayRequest): HookResult;
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
  /** RELIABILITY M6: a stalled handshake is closed within 10 s. */
  handshakeTimeoutMs: 10_000,
  /** No byte in either direction for 30 s: the peer is gone (half-open TCP). */
  idleTimeoutMs: 30_000,
  /** createStream per connection: encoders use 1, players up to a handful (play2, multi-bitrate). */
  maxStreamsPerConnection: 8,
  /** Media held while onPublish runs: ~10 s of a 3 Mbps stream, far more than an auth round trip. */
  maxPendingMediaBytes: 4 * 1024 * 1024,
} as const;
