/**
 * FLV container, per "Adobe Flash Video File Format Specification 10.1" Annex E
 * (E.2 header, E.3 body, E.4.1 tag). Writing returns separate header and trailer
 * Buffers around the caller's payload so a published frame is never copied.
 */
import { MediaError } from './media-error';

/** E.4.1 TagType. */
export const FlvTagType = {
  Audio: 8,
  Video: 9,
  ScriptData: 18,
} as const;
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

/** E.2: "FLV", version 1, flags, DataOffset (u32, 9 for version 1). */
export const FLV_HEADER_SIZE = 9;
/** E.4.1: TagType, DataSize (u24), Timestamp (u24) + TimestampExtended (u8), StreamID (u24). */
export const FLV_TAG_HEADER_SIZE = 11;
/** E.3: each tag is followed by PreviousTagSize (u32). */
export const FLV_PREVIOUS_TAG_SIZE_SIZE = 4;
/** E.4.1: DataSize is 24 bits. */
export const FLV_MAX_TAG_DATA_SIZE = 0xffffff;

const FLV_SIGNATURE = 'FLV';
const FLV_VERSION = 1;
/** E.2 TypeFlagsAudio (bit 2) and TypeFlagsVideo (bit 0). */
const FLAG_AUDIO = 0x04;
const FLAG_VIDEO = 0x01;
/** E.4.1: bit 5 of the first tag byte marks an encrypted (filtered) tag. */
const TAG_FILTER_BIT = 0x20;
const TAG_TYPE_MASK = 0x1f;

/**
 * Everything before the first tag: the 9-byte FLV header and PreviousTagSize0 (0),
 * as HTTP-FLV responses and .flv files start.
 */
export function encodeFlvHeader(tracks: { audio: boolean; video: boolean }): Buffer {
  const out = Buffer.alloc(FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE);
  out.write(FLV_SIGNATURE, 0, 'latin1');
  out[3] = FLV_VERSION;
  out[4] = (tracks.audio ? FLAG_AUDIO : 0) | (tracks.video ? FLAG_VIDEO : 0);
  out.writeUInt32BE(FLV_HEADER_SIZE, 5);
  return out;
}

/**
 * One tag as `[header, payload, trailer]`: the payload is the caller's Buffer, untouched,
 * so one published frame can be written to every viewer with writev/cork.
 * Timestamps are milliseconds modulo 2^32 (E.4.1 keeps the upper 8 bits in TimestampExtended).
 */
export function encodeFlvTag(
  type: FlvTagType,
  timestampMs: number,
  payload: Uint8Array,
): [Buffer, Uint8Array, Buffer] {
  if (payload.length > FLV_MAX_TAG_DATA_SIZE) {
    throw new MediaError(
      'too_large',
      `FLV tag data of ${payload.length} bytes exceeds ${FLV_MAX_TAG_DATA_SIZE}`,
    );
  }
  const ts = Math.trunc(timestampMs) >>> 0;
  const header = Buffer.allocUnsafe(FLV_TAG_HEADER_SIZE);
  header[0] = type;
  header.writeUIntBE(payload.length, 1, 3);
  header.writeUIntBE(ts & 0xffffff, 4, 3);
  header[7] = ts >>> 24;
  header.writeUIntBE(0, 8, 3);
  const trailer = Buffer.allocUnsafe(FLV_PREVIOUS_TAG_SIZE_SIZE);
  trailer.writeUInt32BE(FLV_TAG_HEADER_SIZE + payload.length, 0);
  return [header, payload, trailer];
}

export interface FlvTag {
  type: FlvTagType;
  /** Milliseconds, Timestamp | TimestampExtended << 24. */
  timestampMs: number;
  /** A view into the reader's input when the tag arrived in one piece, else a copy. */
  payload: Buffer;
}

export interface FlvLimits {
  /** Largest tag DataSize accepted; also bounds what the reader buffers for one tag. */
  maxTagSize: number;
}

/**
 * 8 MiB: the largest access unit mediacommon accepts for H.264 (`MaxAccessUnitSize`);
 * no live encoder produces larger frames, and it caps per-publisher buffering.
 */
export const FLV_DEFAULT_MAX_TAG_SIZE = 8 * 1024 * 1024;

/** E.2: DataOffset beyond this is not a version-1 header; the limit bounds what we skip. */
const MAX_HEADER_SIZE = 1024;

/**
 * Incremental FLV parser: `push(bytes)` returns the tags completed by those bytes, in
 * any split of the input. PreviousTagSize fields are skipped, not checked: writers that
 * patch files in place often leave them wrong, and the tag header carries the real size.
 * Throws only `MediaError`; after a throw the reader is unusable.
 */
export class FlvReader {
  private readonly limits: FlvLimits;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headerDone = false;
  /** Bytes still to skip (PreviousTagSize0 after the header, then each trailer). */
  private skipBytes = 0;
  private tracks: { audio: boolean; video: boolean } | undefined;

  constructor(limits?: Partial<FlvLimits>) {
    this.limits = { maxTagSize: FLV_DEFAULT_MAX_TAG_SIZE, ...limits };
  }

  /** The header's audio/video flags, once the header has been read. */
  get declaredTracks(): { audio: boolean; video: boolean } | undefined {
    return this.tracks;
  }

  /** Bytes received but not yet part of a complete tag. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): FlvTag[] {
    if (chunk.length > 0) {
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.pendingBytes += chunk.length;
    }
    const tags: FlvTag[] = [];
    for (;;) {
      if (this.skipBytes > 0) {
        const n = Math.min(this.skipBytes, this.pendingBytes);
        this.take(n);
        this.skipBytes -= n;
        if (this.skipBytes > 0) return tags;
      }
      if (!this.headerDone) {
        if (!this.readHeader()) return tags;
        continue;
      }
      const tag = this.readTag();
      if (!tag) return tags;
      tags.push(tag);
    }
  }

  private readHeader(): boolean {
    if (this.pendingBytes < FLV_HEADER_SIZE) return false;
    const h = this.peek(FLV_HEADER_SIZE);
    if (h.toString('latin1', 0, 3) !== FLV_SIGNATURE) {
      throw new MediaError('invalid', 'FLV signature is not "FLV"');
    }
    const dataOffset = h.readUInt32BE(5);
    if (dataOffset < FLV_HEADER_SIZE || dataOffset > MAX_HEADER_SIZE) {
      throw new MediaError(
        'invalid',
        `FLV DataOffset ${dataOffset} outside ${FLV_HEADER_SIZE}..${MAX_HEADER_SIZE}`,
      );
    }
    const flags = h[4] ?? 0;
    this.tracks = { audio: (flags & FLAG_AUDIO) !== 0, video: (flags & FLAG_VIDEO) !== 0 };
    this.take(FLV_HEADER_SIZE);
    this.headerDone = true;
    this.skipBytes = dataOffset - FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
    return true;
  }

  private readTag(): FlvTag | undefined {
    if (this.pendingBytes < FLV_TAG_HEADER_SIZE) return undefined;
    const h = this.peek(FLV_TAG_HEADER_SIZE);
    const first = h[0] ?? 0;
    if ((first & TAG_FILTER_BIT) !== 0) {
      throw new MediaError('unsupported', 'encrypted FLV tag (Filter bit set)');
    }
    const type = first & TAG_TYPE_MASK;
    if (type !== FlvTagType.Audio && type !== FlvTagType.Video && type !== FlvTagType.ScriptData) {
      throw new MediaError('invalid', `FLV tag type ${type} is reserved`);
    }
    const size = h.readUIntBE(1, 3);
    if (size > this.limits.maxTagSize) {
      throw new MediaError(
        'too_large',
        `FLV tag of ${size} bytes exceeds maxTagSize ${this.limits.maxTagSize}`,
      );
    }
    if (this.pendingBytes < FLV_TAG_HEADER_SIZE + size) return undefined;
    const timestampMs = (h.readUIntBE(4, 3) | ((h[7] ?? 0) << 24)) >>> 0;
    this.take(FLV_TAG_HEADER_SIZE);
    const payload = this.take(size);
    this.skipBytes = FLV_PREVIOUS_TAG_SIZE_SIZE;
    return { type, timestampMs, payload };
  }

  /**
   * The first `n` buffered bytes (n ≤ bufferedBytes). A view when the first chunk holds
   * them; otherwise only the chunks covering `n` are joined, so feeding a large tag one
   * byte at a time stays linear.
   */
  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first && first.length >= n) return first.subarray(0, n);
    let count = 0;
    let covered = 0;
    while (covered < n) covered += this.pending[count++]?.length ?? n;
    const joined = Buffer.concat(this.pending.slice(0, count), covered);
    this.pending.splice(0, count, joined);
    return joined.subarray(0, n);
  }

  /** Removes and returns the first `n` buffered bytes (a view when they sit in one chunk). */
  private take(n: number): Buffer {
    const out = this.peek(n);
    const first = this.pending[0];
    if (first && first.length > n) this.pending[0] = first.subarray(n);
    else this.pending.shift();
    this.pendingBytes -= n;
    return out;
  }
}

/** Parses a complete FLV file or stream; trailing bytes that do not form a whole tag are `truncated`. */
export function parseFlv(buf: Uint8Array, limits?: Partial<FlvLimits>): FlvTag[] {
  const reader = new FlvReader(limits);
  const tags = reader.push(buf);
  if (reader.bufferedBytes > 0) {
    throw new MediaError(
      'truncated',
      `FLV input ends inside a tag (${reader.bufferedBytes} bytes left over)`,
    );
  }
  return tags;
}
