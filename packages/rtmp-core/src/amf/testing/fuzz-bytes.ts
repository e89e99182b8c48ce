/** Arbitrary byte arrays for the AMF fuzz property (docs/reliability.md: amf-fuzz) and the AMF bench. */
import fc from 'fast-check';

/** docs/reliability.md: amf-fuzz: arbitrary inputs up to 64 KiB. */
export const MAX_FUZZ_BYTES = 64 * 1024;

/** `length` bytes from xorshift32 seeded with `seed` (non-zero). */
export function xorshiftBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Byte arrays over the whole fuzzed range (0..64 KiB, docs/reliability.md: amf-fuzz). fast-check's own
 * uint8Array draws each byte through the generator (about 19 s for 5 000 full-size arrays on a 2-core
 * box), so half the inputs are short arbitrary arrays (with shrinking) and half are a random
 * length filled by `xorshiftBytes`.
 */
export const fuzzBytes = fc.oneof(
  fc.uint8Array({ maxLength: MAX_FUZZ_BYTES, size: 'large' }),
  fc
    .record({ length: fc.integer({ min: 0, max: MAX_FUZZ_BYTES }), seed: fc.integer({ min: 1 }) })
    .map(({ length, seed }) => xorshiftBytes(length, seed)),
);
