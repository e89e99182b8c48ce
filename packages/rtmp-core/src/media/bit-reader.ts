import { MediaError } from './media-error';

/**
 * Bounded MSB-first bit reader with Exp-Golomb codes (ITU-T H.264 §9.1, H.265 §9.2),
 * over an RBSP (emulation-prevention bytes already removed, see `nalToRbsp`).
 */
export class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get bitsLeft(): number {
    return this.bytes.length * 8 - this.bit;
  }

  /** Reads `n` ≤ 32 bits as an unsigned number. */
  u(n: number, what: string): number {
    if (n > this.bitsLeft) {
      throw new MediaError('truncated', `${what} needs ${n} bits, ${this.bitsLeft} left`);
    }
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >>> 3] ?? 0;
      v = v * 2 + ((byte >>> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  flag(what: string): boolean {
    return this.u(1, what) === 1;
  }

  skip(n: number, what: string): void {
    if (n > this.bitsLeft)
      throw new MediaError('truncated', `${what} needs ${n} bits, ${this.bitsLeft} left`);
    this.bit += n;
  }

  /**
   * ue(v). More than 31 leading zeros would exceed every field's range (the largest,
   * e.g. H.264 time values, fit 32 bits), so longer prefixes are invalid rather than slow.
   */
  ue(what: string): number {
    let zeros = 0;
    while (!this.flag(what)) {
      if (++zeros > 31) throw new MediaError('invalid', `${what}: Exp-Golomb prefix longer than 31 bits`);
    }
    return 2 ** zeros - 1 + this.u(zeros, what);
  }

  /** se(v): 1, 2, 3, 4 ... map to 1, -1, 2, -2 ... */
  se(what: string): number {
    const k = this.ue(what);
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/**
 * Removes emulation-prevention bytes (0x000003 → 0x0000, H.264 §7.4.1, H.265 §7.4.2),
 * returning the raw byte sequence payload. Copies only when a 0x03 must be dropped.
 */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  let zeros = 0;
  let out: number[] | undefined;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i] ?? 0;
    if (zeros >= 2 && b === 3) {
      out ??= Array.from(nal.subarray(0, i));
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out?.push(b);
  }
  return out ? Uint8Array.from(out) : nal;
}
