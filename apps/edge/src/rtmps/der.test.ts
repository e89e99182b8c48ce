import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { derLength, oid, sequence, time, tlv, unsignedInteger } from './der';

/** A reader of one TLV, independent of the writer, to check what it wrote. */
function readTlv(b: Buffer): { tag: number; value: Buffer; rest: Buffer } {
  const tag = b[0] as number;
  let len = b[1] as number;
  let at = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    assert.ok(n >= 1 && n <= 6, 'length of length 1..6');
    assert.notEqual(b[2], 0, 'long form is minimal (no leading zero byte)');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
    assert.ok(len >= 0x80, 'long form only for 128 and more');
    at = 2 + n;
  }
  return { tag, value: b.subarray(at, at + len), rest: b.subarray(at + len) };
}

describe('DER writer', () => {
  it('encodes known OIDs and lengths as X.690 says (vectors from RFC 5280 / openssl asn1parse)', () => {
    assert.equal(oid('2.5.4.3').toString('hex'), '0603550403');
    assert.equal(oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
    assert.equal(oid('1.3.6.1.5.5.7.3.1').toString('hex'), '06082b06010505070301');
    assert.equal(derLength(127).toString('hex'), '7f');
    assert.equal(derLength(128).toString('hex'), '8180');
    assert.equal(derLength(65536).toString('hex'), '83010000');
    assert.equal(unsignedInteger(Buffer.from([0x00, 0x00, 0x80])).toString('hex'), '02020080');
    assert.equal(unsignedInteger(Buffer.from([0x00])).toString('hex'), '020100');
    assert.equal(time(new Date('2026-12-06T21:05:09.750Z')).toString('ascii', 2), '261206210509Z');
    assert.equal(time(new Date('2050-01-01T00:00:00Z')).toString('ascii', 2), '20500101000000Z');
    assert.equal(time(new Date('2050-01-01T00:00:00Z'))[0], 0x18, 'GeneralizedTime from 2050');
  });

  it('refuses what it cannot encode instead of writing garbage', () => {
    assert.throws(() => oid('3.1'), RangeError);
    assert.throws(() => oid('1.40'), RangeError);
    assert.throws(() => oid('1'), RangeError);
    assert.throws(() => oid('1.2.x'), RangeError);
    assert.throws(() => derLength(-1), RangeError);
    assert.throws(() => time(new Date(Number.NaN)), RangeError);
  });

  it('property: any value round-trips through tlv with a minimal length, nested or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.integer({ min: 1, max: 30 }), (bytes, tag) => {
        const value = Buffer.from(bytes);
        const one = readTlv(tlv(tag, value));
        assert.equal(one.tag, tag);
        assert.ok(one.value.equals(value));
        assert.equal(one.rest.length, 0);
        const outer = readTlv(sequence(tlv(tag, value), tlv(tag, value)));
        assert.equal(outer.tag, 0x30);
        const first = readTlv(outer.value);
        assert.ok(first.value.equals(value));
        assert.ok(readTlv(first.rest).value.equals(value));
      }),
      { numRuns: 200 },
    );
  });

  it('property: integers are positive and minimal; OID arcs decode back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        const { tag, value } = readTlv(unsignedInteger(Buffer.from(bytes)));
        assert.equal(tag, 0x02);
        assert.equal((value[0] as number) & 0x80, 0, 'never negative');
        if (value.length > 1) assert.ok(value[0] !== 0 || ((value[1] as number) & 0x80) !== 0, 'minimal');
        assert.equal(BigInt(`0x${value.toString('hex')}`), BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join('.');
          const { value } = readTlv(oid(dotted));
          const arcs: number[] = [];
          let acc = 0;
          for (const byte of value) {
            acc = acc * 128 + (byte & 0x7f);
            if ((byte & 0x80) === 0) {
              arcs.push(acc);
              acc = 0;
            }
          }
          const first = arcs.shift() as number;
          assert.equal(
            [
              Math.min(2, Math.floor(first / 40)),
              first - Math.min(2, Math.floor(first / 40)) * 40,
              ...arcs,
            ].join('.'),
            dotted,
          );
        },
      ),
    );
  });
});
