/** Growable big-endian writer; `finish()` returns one Buffer of exactly the bytes written. */
export class AmfWriter {
  /** First allocation; command messages are a few hundred bytes, so this rarely grows. */
  private static readonly INITIAL_CAPACITY = 256;

  private buf = Buffer.allocUnsafe(AmfWriter.INITIAL_CAPACITY);
  private pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  s16(v: number): void {
    this.reserve(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  u32(v: number): void {
    this.reserve(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  s32(v: number): void {
    this.reserve(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  f64(v: number): void {
    this.reserve(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function utf8Bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
