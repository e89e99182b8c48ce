import { AmfError } from './amf-error';

/**
 * Bounded big-endian reader over one input. Every read checks the remaining length
 * first and throws `AmfError('truncated')`, so decoders never index past the end and
 * never trust a declared length before its bytes are present.
 */
export class AmfReader {
  private readonly view: DataView;
  private readonly text: Buffer;
  private pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  /** Throws `truncated` unless `n` more bytes are present; `what` names the field. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new AmfError(
        'truncated',
        `${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  peekU8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  s16(what: string): number {
    this.need(2, what);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  s32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(length: number, what: string): string {
    this.need(length, what);
    const s = this.text.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  /** A copy, so a decoded value never aliases (or pins) the caller's network buffer. */
  copy(length: number, what: string): Buffer {
    this.need(length, what);
    const out = Buffer.from(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return out;
  }
}
