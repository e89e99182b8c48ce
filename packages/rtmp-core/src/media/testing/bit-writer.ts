/** Builds bitstreams (fixed-width fields and Exp-Golomb codes) for hand-made parameter sets in tests. */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const len = Math.floor(Math.log2(code));
    return this.u(len, 0).u(len + 1, code);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits: a 1 then zeros to the byte boundary. */
  bytes(): Buffer {
    const bits = [...this.bits, 1];
    while (bits.length % 8 !== 0) bits.push(0);
    const out = Buffer.alloc(bits.length / 8);
    bits.forEach((b, i) => {
      out[i >> 3] = (out[i >> 3] ?? 0) | (b << (7 - (i & 7)));
    });
    return out;
  }
}
