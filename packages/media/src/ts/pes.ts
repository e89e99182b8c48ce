// PES packet header (ISO/IEC 13818-1 §2.4.3.6, §2.4.3.7).
import { TIMESTAMP_MODULO } from './ts-packet';

/** stream_id values (table 2-22): the first video and the first audio stream. */
export const StreamId = { Video: 0xe0, Audio: 0xc0 } as const;

/** PES_packet_length is 16 bits; 0 means "unbounded", allowed only for video in TS (§2.4.3.7). */
const MAX_PES_PACKET_LENGTH = 0xffff;
/** Bytes after PES_packet_length that precede the optional fields: two flag bytes + header length. */
const PES_FLAGS_SIZE = 3;
const TIMESTAMP_SIZE = 5;
/** '10' marker bits + data_alignment_indicator: each of our PES payloads starts an access unit. */
const PES_FLAGS_1 = 0x84;
const PTS_DTS_FLAGS = { PtsOnly: 0x80, PtsAndDts: 0xc0 } as const;
/** The 4-bit prefixes of the PTS and DTS fields. */
const TimestampPrefix = { PtsOnly: 0x2, PtsWithDts: 0x3, Dts: 0x1 } as const;

export function pesHeaderSize(hasDts: boolean): number {
  return 6 + PES_FLAGS_SIZE + (hasDts ? 2 * TIMESTAMP_SIZE : TIMESTAMP_SIZE);
}

/** Largest payload a bounded PES (audio) can carry with a PTS-only header. */
export const MAX_BOUNDED_PES_PAYLOAD = MAX_PES_PACKET_LENGTH - PES_FLAGS_SIZE - TIMESTAMP_SIZE;

/**
 * Writes a PES header for a payload of `payloadLength` bytes. `dts` is written only when it differs
 * from `pts` (§2.4.3.7: a DTS equal to the PTS must not be coded). Timestamps are 90 kHz, 33-bit.
 */
export function writePesHeader(streamId: number, pts: number, dts: number, payloadLength: number): Buffer {
  const hasDts = pts !== dts;
  const header = Buffer.allocUnsafe(pesHeaderSize(hasDts));
  header[0] = 0;
  header[1] = 0;
  header[2] = 1; // packet_start_code_prefix
  header[3] = streamId;
  const optionalLength = hasDts ? 2 * TIMESTAMP_SIZE : TIMESTAMP_SIZE;
  const pesPacketLength = PES_FLAGS_SIZE + optionalLength + payloadLength;
  header.writeUInt16BE(pesPacketLength > MAX_PES_PACKET_LENGTH ? 0 : pesPacketLength, 4);
  header[6] = PES_FLAGS_1;
  header[7] = hasDts ? PTS_DTS_FLAGS.PtsAndDts : PTS_DTS_FLAGS.PtsOnly;
  header[8] = optionalLength;
  writeTimestamp(header, 9, hasDts ? TimestampPrefix.PtsWithDts : TimestampPrefix.PtsOnly, pts);
  if (hasDts) writeTimestamp(header, 14, TimestampPrefix.Dts, dts);
  return header;
}

/** 5-byte timestamp: prefix(4) ts[32..30] marker, ts[29..15] marker, ts[14..0] marker. */
export function writeTimestamp(out: Buffer, at: number, prefix: number, value: number): void {
  const ts = value % TIMESTAMP_MODULO;
  const high = Math.floor(ts / 2 ** 30); // 3 bits
  const mid = Math.floor(ts / 2 ** 15) & 0x7fff;
  const low = ts & 0x7fff;
  out[at] = (prefix << 4) | (high << 1) | 1;
  out[at + 1] = mid >> 7;
  out[at + 2] = ((mid & 0x7f) << 1) | 1;
  out[at + 3] = low >> 7;
  out[at + 4] = ((low & 0x7f) << 1) | 1;
}

/** Reads a 5-byte timestamp back (for tests and diagnostics). */
export function readTimestamp(bytes: Buffer, at: number): number {
  const high = (bytes[at]! >> 1) & 0x07;
  const mid = (bytes[at + 1]! << 7) | (bytes[at + 2]! >> 1);
  const low = (bytes[at + 3]! << 7) | (bytes[at + 4]! >> 1);
  return high * 2 ** 30 + mid * 2 ** 15 + low;
}
