import { MediaError } from './media-error';

/**
 * Bounded big-endian byte reader over one payload. Each read checks the remaining
 * length first and throws `MediaError('truncated')`; `what` names the field for the
 * message. Slices are views (`subarray`), never copies.
 */
export class MediaReader {
  private pos: number;

  constructor(
    private readonly bytes: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new MediaError(
        'truncated',
        `${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes.readUInt8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.bytes.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = this.bytes.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  /** Signed 24-bit, as FLV's CompositionTime (SI24). */
  s24(what: string): number {
    this.need(3, what);
    const v = this.bytes.readIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  fourCc(what: string): string {
    this.need(4, what);
    const s = this.bytes.toString('latin1', this.pos, this.pos + 4);
    this.pos += 4;
    return s;
  }

  /** A view of the next `n` bytes. */
  slice(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}
