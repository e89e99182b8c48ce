/**
 * Property tests (docs/reliability.md: amf-fuzz): decoders throw only AmfError on any bytes, and
 * encode∘decode is the identity on generated values. Seeds are fixed so a failure
 * reproduces; inputs that once broke a decoder go to fuzz-corpus/amf/ (replayed by
 * amf-corpus.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AmfEcmaArray,
  AmfError,
  type AmfObject,
  AmfTypedObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from './index';
import { fuzzBytes } from './testing/fuzz-bytes';

const SEED = 0x7a1b;
const RUNS = 5000;

/**
 * Decoding may fail, but only with AmfError; whatever decodes must encode, and that
 * encoding must be a fixed point of decode-then-encode. (Bytes are compared rather than
 * values because assert treats two invalid Dates as different.)
 */
function decodesOrFailsTyped(
  decode: (b: Uint8Array) => AmfValue[],
  encode: (v: AmfValue[]) => Buffer,
  bytes: Uint8Array,
): void {
  let values: AmfValue[];
  try {
    values = decode(bytes);
  } catch (err) {
    if (err instanceof AmfError) return;
    throw err;
  }
  const encoded = encode(values);
  assert.deepStrictEqual(encode(decode(encoded)), encoded);
}

/** Flips (0), drops (1) or cuts at (2) the byte at `at` modulo the length. */
function mutate(encoded: Buffer, at: number, byte: number, how: number): Buffer {
  const i = at % encoded.length;
  if (how === 1) return Buffer.concat([encoded.subarray(0, i), encoded.subarray(i + 1)]);
  if (how === 2) return encoded.subarray(0, i);
  const out = Buffer.from(encoded);
  out[i] = byte;
  return out;
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const nonEmptyText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const date = fc.date({ noInvalidDate: true }).map((d) => new Date(d.getTime()));
const bytes = fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b));

/** Values common to AMF0 and AMF3; `key` decides which member names are allowed. */
function amfValues(
  key: fc.Arbitrary<string>,
  extra: (tie: (name: string) => fc.Arbitrary<AmfValue>) => fc.Arbitrary<AmfValue>[],
) {
  return fc.letrec<{ value: AmfValue; object: AmfObject }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.double(),
      fc.integer({ min: -(2 ** 28), max: 2 ** 28 - 1 }),
      fc.boolean(),
      text,
      fc.constant(null),
      fc.constant(undefined),
      date,
      bytes,
      fc.array(tie('value') as fc.Arbitrary<AmfValue>, { maxLength: 4 }),
      tie('object') as fc.Arbitrary<AmfObject>,
      fc
        .tuple(nonEmptyText, tie('object') as fc.Arbitrary<AmfObject>)
        .map(([c, p]) => new AmfTypedObject(c, p)),
      // The same object twice exercises the reference tables.
      (tie('object') as fc.Arbitrary<AmfObject>).map((o) => [o, o] as AmfValue),
      ...extra((name) => tie(name) as fc.Arbitrary<AmfValue>),
    ),
    object: fc.dictionary(key, tie('value') as fc.Arbitrary<AmfValue>, { maxKeys: 4, noNullPrototype: true }),
  }));
}

const amf0Values = amfValues(text, (tie) => [
  text.map((x) => new AmfXml(x)),
  (tie('object') as fc.Arbitrary<AmfObject>).map((o) => new AmfEcmaArray(o)),
]).value;

const amf3Values = amfValues(nonEmptyText, (tie) => [
  fc.tuple(text, fc.constantFrom('xml' as const, 'xml-document' as const)).map(([x, k]) => new AmfXml(x, k)),
  // An AMF3 array with an empty associative part is a plain dense array, so ECMA arrays need a key.
  fc
    .dictionary(nonEmptyText, tie('value'), { minKeys: 1, maxKeys: 4, noNullPrototype: true })
    .map((o) => new AmfEcmaArray(o)),
  fc
    .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 4 })
    .map((i) => new AmfVector('int', i)),
  fc
    .array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 4 })
    .map((i) => new AmfVector('uint', i, true)),
  fc.array(fc.double(), { maxLength: 4 }).map((i) => new AmfVector('double', i)),
  fc
    .tuple(text, fc.array(tie('value'), { maxLength: 3 }))
    .map(([t, i]) => new AmfVector('object', i, false, t)),
]).value;

describe('AMF0 properties (docs/reliability.md: amf-fuzz)', () => {
  it('throws only AmfError on arbitrary bytes up to 64 KiB', () => {
    fc.assert(
      fc.property(fuzzBytes, (b) => {
        decodesOrFailsTyped(decodeAmf0, encodeAmf0, b);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decode(encode(values)) equals the generated values', () => {
    fc.assert(
      fc.property(fc.array(amf0Values, { maxLength: 4 }), (values) => {
        assert.deepStrictEqual(decodeAmf0(encodeAmf0(values)), values);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only AmfError on encodings with bytes flipped, dropped or cut', () => {
    fc.assert(
      fc.property(
        fc.array(amf0Values, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(255),
        fc.nat(2),
        (values, at, byte, how) => {
          decodesOrFailsTyped(decodeAmf0, encodeAmf0, mutate(encodeAmf0(values), at, byte, how));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('AMF3 properties', () => {
  it('throws only AmfError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fuzzBytes, (b) => {
        decodesOrFailsTyped(decodeAmf3, encodeAmf3, b);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decode(encode(values)) equals the generated values, references included', () => {
    fc.assert(
      fc.property(fc.array(amf3Values, { maxLength: 4 }), (values) => {
        assert.deepStrictEqual(decodeAmf3(encodeAmf3(values)), values);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('round-trips AMF3 values behind the AMF0 avmplus marker', () => {
    fc.assert(
      fc.property(fc.array(amf3Values, { maxLength: 3 }), (values) => {
        assert.deepStrictEqual(decodeAmf0(encodeAmf0(values, { avmplus: 'all' })), values);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only AmfError on encodings with bytes flipped, dropped or cut', () => {
    fc.assert(
      fc.property(
        fc.array(amf3Values, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(255),
        fc.nat(2),
        (values, at, byte, how) => {
          decodesOrFailsTyped(decodeAmf3, encodeAmf3, mutate(encodeAmf3(values), at, byte, how));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
