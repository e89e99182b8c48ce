/** Spec 5.4.1: every chunk stream starts with 128-byte chunks until SetChunkSize says otherwise. */
export const DEFAULT_CHUNK_SIZE = 128;
/**
 * Spec 5.4.1: "The maximum chunk size can be 65536 bytes [...] chunk size can't exceed 16777215 (0xFFFFFF)
 * because messages are not bigger": a larger SetChunkSize behaves as 0xFFFFFF (docs/reliability.md: chunk-size).
 */
export const MAX_CHUNK_SIZE = 0xffffff;
/** Spec 5.3.1.3: a 24-bit timestamp field of 0xFFFFFF means a 32-bit Extended Timestamp follows. */
export const EXTENDED_TIMESTAMP_MARKER = 0xffffff;
/** Spec 5.3.1.1: csids 2..63 fit in one byte, 64..319 in two, 64..65599 in three. */
export const MAX_CSID = 65599;
/** Spec 5.3.1.1: csid 2 is reserved for protocol control messages. */
export const CONTROL_CSID = 2;

/** Chunk message header sizes by fmt (spec 5.3.1.2): type 0 = 11, type 1 = 7, type 2 = 3, type 3 = 0. */
export const MESSAGE_HEADER_SIZE: readonly [number, number, number, number] = [11, 7, 3, 0];

export interface ChunkLimits {
  /**
   * Largest message length accepted at header time. 8 MiB holds a 4K keyframe (mediacommon caps an H.264
   * access unit at 8 MiB for the same reason) while keeping a hostile header from reserving more.
   */
  readonly maxMessageLength: number;
  /**
   * Smallest SetChunkSize accepted (a policy, not the spec, which allows 1). Every chunk costs a header
   * parse, so tiny chunks are a CPU amplification attack (docs/reliability.md: chunk-size; Red5 #475, SRS #541): 1 MiB at
   * chunk size 1 takes ~0.5 s of CPU. 128 is the spec default and SRS's floor; no encoder goes below it.
   */
  readonly minChunkSize: number;
  /** Chunk streams with live state. Real encoders use fewer than 10 (FFmpeg 2..8, OBS 2..7). */
  readonly maxChunkStreams: number;
  /** Bytes held in incomplete messages plus unparsed input: bounds memory per connection. */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = {
  minChunkSize: DEFAULT_CHUNK_SIZE,
  maxMessageLength: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxBufferedBytes: 16 * 1024 * 1024,
};

/** One complete RTMP message as chunk streams carry it (spec 5.3.1 / 6.1). */
export interface RtmpMessage {
  readonly csid: number;
  /** Absolute timestamp in ms, modulo 2^32 (spec 5.3.1.3 wraps). */
  readonly timestamp: number;
  readonly typeId: number;
  readonly messageStreamId: number;
  readonly payload: Buffer;
}
