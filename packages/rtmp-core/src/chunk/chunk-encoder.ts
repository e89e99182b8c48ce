import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_CHUNK_SIZE,
  MAX_CSID,
  type RtmpMessage,
} from './chunk-constants';

/** A message to send; `csid` picks the chunk stream (2 = control, 3 = commands, by convention). */
export type OutgoingMessage = RtmpMessage;

/** Spec 5.3.1.1 basic header: fmt in the top two bits, csid in one, two or three bytes. */
function basicHeader(fmt: number, csid: number, extra: number): { buf: Buffer; at: number } {
  if (csid < 2 || csid > MAX_CSID || !Number.isInteger(csid)) {
    throw new RtmpError(
      RtmpErrorCode.MalformedMessage,
      `csid ${csid} outside 2..${MAX_CSID} (spec 5.3.1.1)`,
      {
        csid,
      },
    );
  }
  if (csid < 64) {
    const buf = Buffer.allocUnsafe(1 + extra);
    buf[0] = (fmt << 6) | csid;
    return { buf, at: 1 };
  }
  if (csid < 320) {
    const buf = Buffer.allocUnsafe(2 + extra);
    buf[0] = fmt << 6;
    buf[1] = csid - 64;
    return { buf, at: 2 };
  }
  const buf = Buffer.allocUnsafe(3 + extra);
  buf[0] = (fmt << 6) | 1;
  buf.writeUInt16LE(csid - 64, 1);
  return { buf, at: 3 };
}

/**
 * Builds the first-chunk header of fmt 0, 1 or 2 and the fmt 3 continuation header. `field` is the absolute
 * timestamp (fmt 0) or the delta (fmt 1/2); ≥ 0xFFFFFF goes into an Extended Timestamp (spec 5.3.1.3),
 * which continuation chunks repeat, as librtmp and FFmpeg expect.
 */
function headers(
  fmt: 0 | 1 | 2,
  msg: OutgoingMessage,
  field: number,
): { first: Buffer; continuation: Buffer } {
  const extended = field >= EXTENDED_TIMESTAMP_MARKER;
  const ext = extended ? 4 : 0;
  const messageHeader = fmt === 0 ? 11 : fmt === 1 ? 7 : 3;
  const { buf: first, at } = basicHeader(fmt, msg.csid, messageHeader + ext);
  first.writeUIntBE(extended ? EXTENDED_TIMESTAMP_MARKER : field, at, 3);
  if (fmt <= 1) {
    first.writeUIntBE(msg.payload.length, at + 3, 3);
    first.writeUInt8(msg.typeId, at + 6);
  }
  if (fmt === 0) first.writeUInt32LE(msg.messageStreamId, at + 7);
  if (extended) first.writeUInt32BE(field, at + messageHeader);
  const { buf: continuation, at: cat } = basicHeader(3, msg.csid, ext);
  if (extended) continuation.writeUInt32BE(field, cat);
  return { first, continuation };
}

/** Interleaves headers with payload views: the payload is never copied (DEVELOPERS.md: encode once, share everywhere). */
function chunkify(first: Buffer, continuation: Buffer, payload: Buffer, chunkSize: number): Buffer[] {
  const out: Buffer[] = [first];
  if (payload.length === 0) return out;
  out.push(payload.subarray(0, chunkSize));
  for (let off = chunkSize; off < payload.length; off += chunkSize) {
    out.push(continuation, payload.subarray(off, off + chunkSize));
  }
  return out;
}

function checkMessage(msg: OutgoingMessage): void {
  if (msg.payload.length > 0xffffff) {
    throw new RtmpError(
      RtmpErrorCode.MessageTooLong,
      `message length ${msg.payload.length} exceeds 24 bits`,
      {
        length: msg.payload.length,
      },
    );
  }
}

/**
 * Stateless encoding with a fmt 0 first chunk: the form the broadcast uses, so one serialisation can be
 * written to every subscriber whatever each connection sent before on other chunk streams.
 */
export function encodeMessageFmt0(msg: OutgoingMessage, chunkSize: number): Buffer[] {
  checkMessage(msg);
  const { first, continuation } = headers(0, msg, msg.timestamp >>> 0);
  return chunkify(first, continuation, msg.payload, chunkSize);
}

interface LastHeader {
  timestamp: number;
  length: number;
  typeId: number;
  messageStreamId: number;
}

/**
 * Per-connection chunk encoder: picks the smallest header the previous message on the chunk stream allows
 * (fmt 0 on a new stream, a new message stream id or a backwards timestamp; fmt 1 on a new length or type;
 * fmt 2 otherwise). It never starts a message with fmt 3, whose delta rules peers read differently.
 */
export class ChunkEncoder {
  private size = DEFAULT_CHUNK_SIZE;
  private readonly last = new Map<number, LastHeader>();

  get chunkSize(): number {
    return this.size;
  }

  /** Takes effect for messages encoded after the SetChunkSize message itself was encoded (spec 5.4.1). */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
      throw new RtmpError(
        RtmpErrorCode.ChunkSizeInvalid,
        `outgoing chunk size ${size} outside 1..${MAX_CHUNK_SIZE}`,
        {
          size,
        },
      );
    }
    this.size = size;
  }

  /** Forgets the header state of `csid` (after sending Abort, or when another writer used that csid). */
  reset(csid: number): void {
    this.last.delete(csid);
  }

  encode(msg: OutgoingMessage): Buffer[] {
    checkMessage(msg);
    const timestamp = msg.timestamp >>> 0;
    const prev = this.last.get(msg.csid);
    this.last.set(msg.csid, {
      timestamp,
      length: msg.payload.length,
      typeId: msg.typeId,
      messageStreamId: msg.messageStreamId,
    });
    let h: { first: Buffer; continuation: Buffer };
    if (prev === undefined || prev.messageStreamId !== msg.messageStreamId || timestamp < prev.timestamp) {
      h = headers(0, msg, timestamp);
    } else if (prev.length === msg.payload.length && prev.typeId === msg.typeId) {
      h = headers(2, msg, timestamp - prev.timestamp);
    } else {
      h = headers(1, msg, timestamp - prev.timestamp);
    }
    return chunkify(h.first, h.continuation, msg.payload, this.size);
  }
}
