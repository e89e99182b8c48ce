/**
 * Bounded big-endian reader over one buffer, shared by every decoder of the
 * package (AMF, media, protocol messages). Each read checks the remaining length
 * first, so decoders never index past the end and never trust a declared length
 * before its bytes are present; on a short read it throws the calling layer's own
 * error type, made by `truncated(message)`. Slices are views, `copy` copies.
 */
export class BoundedReader {
  protected pos: number;
  protected readonly buf: Buffer;

  constructor(
    bytes: Uint8Array,
    private readonly truncated: (message: string) => Error,
    start = 0,
  ) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Throws unless `n` more bytes are present; `what` names the field in the message. */
  need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw this.truncated(
        `${what} needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }

  peekU8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  s16(what: string): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  /** Signed 24-bit, as FLV's CompositionTime (SI24). */
  s24(what: string): number {
    this.need(3, what);
    const v = this.buf.readIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  s32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(length: number, what: string): string {
    this.need(length, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  /** Four ASCII characters, as an FLV/Enhanced RTMP FourCC. */
  fourCc(what: string): string {
    this.need(4, what);
    const s = this.buf.toString('latin1', this.pos, this.pos + 4);
    this.pos += 4;
    return s;
  }

  /** A view of the next `n` bytes. */
  slice(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A copy, so a decoded value never aliases (or pins) the caller's network buffer. */
  copy(n: number, what: string): Buffer {
    return Buffer.from(this.slice(n, what));
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A view of everything left. */
  rest(): Buffer {
    return this.slice(this.remaining, 'rest');
  }
}
