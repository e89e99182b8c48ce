import { AmfError } from './amf-error';
import { type AmfEncodeLimits, resolveAmfEncodeLimits } from './amf-limits';

/**
 * Growable big-endian writer; `finish()` returns one Buffer of exactly the bytes written. It also keeps
 * the encode budget (AmfEncodeLimits): values visited (`node()`) and bytes written, shared by the AMF0
 * and AMF3 encoders of one encode call.
 */
export class AmfWriter {
  /** First allocation; command messages are a few hundred bytes, so this rarely grows. */
  private static readonly INITIAL_CAPACITY = 256;

  private buf: Buffer;
  private pos = 0;
  private nodes = 0;
  readonly limits: AmfEncodeLimits;

  constructor(limits?: Partial<AmfEncodeLimits>) {
    this.limits = resolveAmfEncodeLimits(limits);
    this.buf = Buffer.allocUnsafe(Math.min(AmfWriter.INITIAL_CAPACITY, this.limits.maxBytes));
  }

  /** One more value visited; throws past `maxNodes`, before any work on it. */
  node(): void {
    if (++this.nodes > this.limits.maxNodes) {
      throw new AmfError('too_large', `encoding visits more than maxNodes ${this.limits.maxNodes} values`);
    }
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos + n > this.limits.maxBytes) {
      throw new AmfError('too_large', `encoding writes more than maxBytes ${this.limits.maxBytes} bytes`);
    }
    // The buffer never grows past maxBytes, so the fast path above is bounded too.
    let size = Math.max(1, this.buf.length * 2);
    while (size < this.pos + n) size *= 2;
    size = Math.min(size, this.limits.maxBytes);
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
