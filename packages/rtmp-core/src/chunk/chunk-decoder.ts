import { ByteReader } from '../bytes/byte-reader';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import {
  type ChunkLimits,
  DEFAULT_CHUNK_LIMITS,
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_CHUNK_SIZE,
  MESSAGE_HEADER_SIZE,
  type RtmpMessage,
} from './chunk-constants';

/** Spec 5.4.1/5.4.2 message type ids the chunk layer itself obeys (message/ depends on chunk/, not back). */
const SET_CHUNK_SIZE = 1;
const ABORT = 2;

/** State kept per chunk stream: the last header (for fmt 1..3 compression) and the message being assembled. */
interface ChunkStreamState {
  timestamp: number;
  /** The last timestamp field: absolute for fmt 0, a delta for fmt 1/2 (added again by a new fmt 3 message). */
  timestampField: number;
  /** Whether the last fmt 0/1/2 header used an Extended Timestamp (then fmt 3 chunks may repeat it). */
  extended: boolean;
  typeId: number;
  length: number;
  messageStreamId: number;
  parts: Buffer[];
  received: number;
}

/**
 * Validates a SetChunkSize value (spec 5.4.1): 0 and the top bit are errors, > 0xFFFFFF behaves as 0xFFFFFF,
 * and sizes below `minimum` are refused by policy (see `ChunkLimits.minChunkSize`).
 */
export function effectiveChunkSize(size: number, minimum = 1): number {
  if (size === 0 || size > 0x7fffffff) {
    throw new RtmpError(
      RtmpErrorCode.ChunkSizeInvalid,
      `chunk size ${size} outside 1..2147483647 (spec 5.4.1)`,
      {
        size,
      },
    );
  }
  if (size < minimum) {
    throw new RtmpError(
      RtmpErrorCode.ChunkSizeInvalid,
      `chunk size ${size} below the policy minimum ${minimum}`,
      {
        size,
        minimum,
      },
    );
  }
  return Math.min(size, MAX_CHUNK_SIZE);
}

/**
 * Chunk stream decoder (spec 5.3), sans-I/O: `push(bytes)` returns the messages completed so far.
 *
 * Memory follows received bytes, not declared lengths: a message is kept as the list of chunk payload views
 * it arrived in and joined only when complete, so a header announcing 16 MiB reserves nothing
 * (docs/reliability.md: declared-length).
 * Limits are in `ChunkLimits`; breaking one throws `RtmpError` and the decoder must not be used again.
 */
export class ChunkDecoder {
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStreamState>();
  private readonly limits: ChunkLimits;
  private input: Buffer[] = [];
  private inputLength = 0;
  private heldInMessages = 0;
  /** The chunk stream whose payload bytes are being read, and how many remain in the current chunk. */
  private current: ChunkStreamState | null = null;
  private currentCsid = 0;
  private chunkRemaining = 0;

  constructor(limits: Partial<ChunkLimits> = {}) {
    this.limits = { ...DEFAULT_CHUNK_LIMITS, ...limits };
  }

  /** Spec 5.4.1: applies to chunks read after the SetChunkSize message. */
  setChunkSize(size: number): void {
    this.chunkSize = effectiveChunkSize(size, this.limits.minChunkSize);
  }

  get incomingChunkSize(): number {
    return this.chunkSize;
  }

  /** Spec 5.4.2 Abort Message: discard the partially received message on `csid`. */
  abort(csid: number): void {
    const state = this.streams.get(csid);
    if (!state) return;
    this.heldInMessages -= state.received;
    state.parts = [];
    state.received = 0;
    if (this.current === state) this.current = null;
  }

  push(data: Buffer): RtmpMessage[] {
    if (data.length > 0) {
      this.input.push(data);
      this.inputLength += data.length;
    }
    const out: RtmpMessage[] = [];
    for (;;) {
      if (this.current === null) {
        if (!this.readHeader()) break;
      }
      if (!this.readPayload(out)) break;
    }
    this.checkBudget();
    return out;
  }

  private checkBudget(): void {
    const held = this.heldInMessages + this.inputLength;
    if (held > this.limits.maxBufferedBytes) {
      throw new RtmpError(
        RtmpErrorCode.BufferLimit,
        `${held} buffered bytes exceed the limit of ${this.limits.maxBufferedBytes}`,
        { held, limit: this.limits.maxBufferedBytes },
      );
    }
  }

  /** Returns a Buffer whose first `n` bytes are the next input bytes, without consuming them; null if fewer. */
  private peek(n: number): Buffer | null {
    if (this.inputLength < n) return null;
    const head = this.input[0] as Buffer;
    if (head.length >= n) return head;
    // Only headers (≤ 18 bytes) are peeked, so copying the few bytes that span input buffers is cheap.
    const joined = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const part of this.input) {
      filled += part.copy(joined, filled, 0, Math.min(part.length, n - filled));
      if (filled === n) break;
    }
    return joined;
  }

  private consume(n: number): void {
    this.inputLength -= n;
    while (n > 0) {
      const head = this.input[0] as Buffer;
      if (head.length <= n) {
        this.input.shift();
        n -= head.length;
      } else {
        this.input[0] = head.subarray(n);
        n = 0;
      }
    }
  }

  /** Parses one chunk header; returns false when more bytes are needed (nothing consumed then). */
  private readHeader(): boolean {
    const first = this.peek(1);
    if (first === null) return false;
    const b0 = first.readUInt8(0);
    const fmt = b0 >> 6;
    const csidBits = b0 & 0x3f;
    // Spec 5.3.1.1: csid 0 → one more byte (64..319), csid 1 → two more bytes (64..65599).
    const basicLength = csidBits === 0 ? 2 : csidBits === 1 ? 3 : 1;
    const messageHeaderLength = MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    const fixedLength = basicLength + messageHeaderLength;
    const head = this.peek(fixedLength + 4);
    const fixed = head ?? this.peek(fixedLength);
    if (fixed === null) return false;
    const csid =
      csidBits === 0
        ? fixed.readUInt8(1) + 64
        : csidBits === 1
          ? fixed.readUInt8(2) * 256 + fixed.readUInt8(1) + 64
          : csidBits;

    let state = this.streams.get(csid);
    if (state === undefined) {
      if (fmt !== 0) {
        throw new RtmpError(
          RtmpErrorCode.ChunkNoPreviousHeader,
          `fmt ${fmt} chunk on csid ${csid} without a previous fmt 0 header (spec 5.3.1.2)`,
          { fmt, csid },
        );
      }
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new RtmpError(
          RtmpErrorCode.TooManyChunkStreams,
          `csid ${csid} would open chunk stream ${this.streams.size + 1}, limit ${this.limits.maxChunkStreams}`,
          { csid, limit: this.limits.maxChunkStreams },
        );
      }
    }
    const inMessage = state !== undefined && state.received > 0;
    if (fmt !== 3 && inMessage) {
      throw new RtmpError(
        RtmpErrorCode.ChunkInterrupted,
        `fmt ${fmt} chunk on csid ${csid} while a ${state?.length}-byte message has ${state?.received} bytes (spec 5.3.1.2.4: continuation chunks are fmt 3)`,
        { fmt, csid },
      );
    }

    let p = basicLength;
    let field = 0;
    if (fmt <= 2) {
      field = fixed.readUIntBE(p, 3);
      p += 3;
    }
    let length = state?.length ?? 0;
    let typeId = state?.typeId ?? 0;
    if (fmt <= 1) {
      length = fixed.readUIntBE(p, 3);
      typeId = fixed.readUInt8(p + 3);
      p += 4;
      if (length > this.limits.maxMessageLength) {
        throw new RtmpError(
          RtmpErrorCode.MessageTooLong,
          `message length ${length} on csid ${csid} exceeds the limit of ${this.limits.maxMessageLength}`,
          { csid, length, limit: this.limits.maxMessageLength },
        );
      }
    }
    // Spec 5.3.1.2.1: the message stream id is little-endian.
    const messageStreamId = fmt === 0 ? fixed.readUInt32LE(p) : (state?.messageStreamId ?? 0);
    if (fmt === 0) p += 4;

    let extended: boolean;
    if (fmt <= 2) {
      extended = field === EXTENDED_TIMESTAMP_MARKER;
      if (extended) {
        if (head === null) return false;
        field = head.readUInt32BE(p);
        p += 4;
      }
    } else {
      extended = state?.extended ?? false;
      if (extended) {
        // librtmp and FFmpeg repeat the Extended Timestamp on fmt 3 chunks (as the 2012 spec erratum says);
        // some encoders omit it. Tell them apart by comparing with the value of the last header.
        if (head === null) return false;
        if (head.readUInt32BE(p) === state?.timestampField) p += 4;
      }
    }
    this.consume(p);

    if (state === undefined) {
      state = {
        timestamp: field,
        timestampField: field,
        extended,
        typeId,
        length,
        messageStreamId,
        parts: [],
        received: 0,
      };
      this.streams.set(csid, state);
    } else if (fmt === 0) {
      state.timestamp = field;
      state.timestampField = field;
    } else if (fmt <= 2) {
      state.timestampField = field;
      state.timestamp = (state.timestamp + field) >>> 0;
    } else if (!inMessage) {
      // Spec 5.3.1.2.4: a fmt 3 chunk starting a message reuses the previous delta (FFmpeg and SRS add the
      // last timestamp field, also after a fmt 0 header).
      state.timestamp = (state.timestamp + state.timestampField) >>> 0;
    }
    if (fmt <= 2) state.extended = extended;
    state.length = length;
    state.typeId = typeId;
    state.messageStreamId = messageStreamId;
    this.current = state;
    this.currentCsid = csid;
    this.chunkRemaining = Math.min(this.chunkSize, length - state.received);
    return true;
  }

  /**
   * SetChunkSize and Abort change how the very next chunk is read (spec 5.4.1: "subsequent chunks"), so
   * they take effect here, between two chunks of the same push, and are still returned to the caller.
   */
  private applyChunkControl(msg: RtmpMessage): void {
    if (msg.typeId === SET_CHUNK_SIZE)
      this.setChunkSize(new ByteReader(msg.payload, 'SetChunkSize').u32('size'));
    else if (msg.typeId === ABORT) this.abort(new ByteReader(msg.payload, 'Abort').u32('csid'));
  }

  /** Moves available payload bytes into the current message; returns false when input ran out mid-chunk. */
  private readPayload(out: RtmpMessage[]): boolean {
    const state = this.current as ChunkStreamState;
    while (this.chunkRemaining > 0) {
      const head = this.input[0];
      if (head === undefined) return false;
      const n = Math.min(head.length, this.chunkRemaining);
      state.parts.push(head.subarray(0, n));
      state.received += n;
      this.heldInMessages += n;
      this.chunkRemaining -= n;
      this.consume(n);
    }
    this.current = null;
    if (state.received === state.length) {
      const payload =
        state.parts.length === 1 ? (state.parts[0] as Buffer) : Buffer.concat(state.parts, state.received);
      this.heldInMessages -= state.received;
      state.parts = [];
      state.received = 0;
      const msg = {
        csid: this.currentCsid,
        timestamp: state.timestamp,
        typeId: state.typeId,
        messageStreamId: state.messageStreamId,
        payload,
      };
      this.applyChunkControl(msg);
      out.push(msg);
    }
    return true;
  }
}
