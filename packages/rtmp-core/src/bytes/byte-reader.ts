import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';

/**
 * Bounded big-endian reader over one Buffer: every read checks the remaining length first and throws
 * `RTMP_ERR_TRUNCATED` naming what was being read, so message decoders never index raw bytes themselves.
 */
export class ByteReader {
  private offset = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, field: string): number {
    if (this.buf.length - this.offset < n) {
      throw new RtmpError(
        RtmpErrorCode.Truncated,
        `${this.what}: ${field} needs ${n} bytes, ${this.buf.length - this.offset} left`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(field: string): number {
    return this.buf.readUInt8(this.need(1, field));
  }

  u16(field: string): number {
    return this.buf.readUInt16BE(this.need(2, field));
  }

  u32(field: string): number {
    return this.buf.readUInt32BE(this.need(4, field));
  }

  bytes(n: number, field: string): Buffer {
    const at = this.need(n, field);
    return this.buf.subarray(at, at + n);
  }

  rest(): Buffer {
    return this.bytes(this.remaining, 'rest');
  }
}
