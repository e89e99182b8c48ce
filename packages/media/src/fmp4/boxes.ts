// ISO base media file format boxes (ISO/IEC 14496-12 §4.2): a 32-bit size, a four-character type, then
// the payload; a full box adds a version byte and 24 bits of flags. Used for the init segment, which is
// written once per track configuration; fragments have their own single-allocation writer.

export const BOX_HEADER_SIZE = 8;
export const FULL_BOX_HEADER_SIZE = 12;

export function box(type: string, ...payload: readonly Buffer[]): Buffer {
  let size = BOX_HEADER_SIZE;
  for (const part of payload) size += part.length;
  const header = Buffer.allocUnsafe(BOX_HEADER_SIZE);
  header.writeUInt32BE(size, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, ...payload], size);
}

export function fullBox(type: string, version: number, flags: number, ...payload: readonly Buffer[]): Buffer {
  const versionAndFlags = Buffer.allocUnsafe(4);
  versionAndFlags.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
  return box(type, versionAndFlags, ...payload);
}

/** Big-endian unsigned fields, in order: each entry is [byteWidth, value]. */
export function fields(...entries: readonly (readonly [1 | 2 | 4 | 8, number])[]): Buffer {
  let size = 0;
  for (const [width] of entries) size += width;
  const out = Buffer.alloc(size);
  let at = 0;
  for (const [width, value] of entries) {
    writeUIntBE(out, at, width, value);
    at += width;
  }
  return out;
}

/** Writes an unsigned integer of 1, 2, 4 or 8 bytes; 8-byte values must stay below 2^53. */
export function writeUIntBE(out: Buffer, at: number, width: 1 | 2 | 4 | 8, value: number): void {
  if (width === 8) {
    out.writeUInt32BE(Math.floor(value / 2 ** 32), at);
    out.writeUInt32BE(value % 2 ** 32, at + 4);
  } else {
    out.writeUIntBE(value, at, width);
  }
}
