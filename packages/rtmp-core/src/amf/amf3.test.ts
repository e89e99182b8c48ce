import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AmfEcmaArray,
  AmfError,
  type AmfErrorCode,
  AmfTypedObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from './index';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf8Hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

function assertAmfError(fn: () => unknown, code: AmfErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AmfError, `expected AmfError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const shared = { a: 1 };
const ARRAY_COLLECTION = 'flex.messaging.io.ArrayCollection';

/** One table drives both directions: decode(bytes) = values and encode(values) = bytes. */
const golden: { name: string; bytes: string; values: AmfValue[] }[] = [
  {
    name: 'undefined, null, false, true (§3.2-3.5)',
    bytes: '00 01 02 03',
    values: [undefined, null, false, true],
  },
  { name: 'integer 0 in one U29 byte (§3.6)', bytes: '04 00', values: [0] },
  { name: 'integer 127, the largest 1-byte U29', bytes: '04 7f', values: [127] },
  { name: 'integer 128 in two U29 bytes', bytes: '04 8100', values: [128] },
  { name: 'integer 16384 in three U29 bytes', bytes: '04 818000', values: [16384] },
  { name: 'integer 2^21 in four U29 bytes', bytes: '04 80c08000', values: [2 ** 21] },
  { name: 'integer 2^28-1, the largest AMF3 integer', bytes: '04 bfffffff', values: [2 ** 28 - 1] },
  { name: "integer -1 as 29-bit two's complement", bytes: '04 ffffffff', values: [-1] },
  { name: 'integer -2^28, the smallest AMF3 integer', bytes: '04 c0808000', values: [-(2 ** 28)] },
  { name: '2^28 falls back to a double (§3.7)', bytes: '05 41b0000000000000', values: [2 ** 28] },
  { name: 'a fraction as a double', bytes: '05 3ff8000000000000', values: [1.5] },
  { name: 'negative zero as a double', bytes: '05 8000000000000000', values: [-0] },
  { name: 'string and its reference (§3.8)', bytes: '06 05 6162 06 00', values: ['ab', 'ab'] },
  { name: 'the empty string is never a reference', bytes: '06 01 06 01', values: ['', ''] },
  { name: 'XML document (§3.9)', bytes: `07 09 ${utf8Hex('<a/>')}`, values: [new AmfXml('<a/>')] },
  { name: 'E4X XML (§3.13)', bytes: `0b 09 ${utf8Hex('<a/>')}`, values: [new AmfXml('<a/>', 'xml')] },
  { name: 'date (§3.10)', bytes: '08 01 0000000000000000', values: [new Date(0)] },
  { name: 'dense array (§3.11)', bytes: '09 05 01 04 01 04 02', values: [[1, 2]] },
  { name: 'associative array', bytes: '09 01 03 61 04 01 01', values: [new AmfEcmaArray({ a: 1 })] },
  { name: 'anonymous dynamic object (§3.12)', bytes: '0a 0b 01 03 61 04 01 01', values: [{ a: 1 }] },
  {
    name: 'a second anonymous object reuses the traits by reference',
    bytes: '09 05 01 0a 0b 01 03 61 04 01 01 0a 01 03 62 04 02 01',
    values: [[{ a: 1 }, { b: 2 }]],
  },
  {
    name: 'a repeated object is written as an object reference',
    bytes: '09 05 01 0a 0b 01 03 61 04 01 01 0a 02',
    values: [[shared, shared]],
  },
  {
    name: 'member names and values share the string table',
    bytes: '0a 0b 01 03 61 06 00 01',
    values: [{ a: 'a' }],
  },
  {
    name: 'typed object with sealed members',
    bytes: `0a 13 07 ${utf8Hex('Foo')} 03 78 04 01`,
    values: [new AmfTypedObject('Foo', { x: 1 })],
  },
  { name: 'byte array (§3.14)', bytes: '0c 05 0102', values: [Buffer.from([1, 2])] },
  {
    name: 'Vector.<int> (§3.15)',
    bytes: '0d 05 00 00000001 ffffffff',
    values: [new AmfVector('int', [1, -1])],
  },
  { name: 'Vector.<uint>', bytes: '0e 03 00 ffffffff', values: [new AmfVector('uint', [0xffffffff])] },
  {
    name: 'fixed Vector.<Number>',
    bytes: '0f 03 01 3fe0000000000000',
    values: [new AmfVector('double', [0.5], true)],
  },
  { name: 'Vector.<Object>', bytes: '10 03 00 01 01', values: [new AmfVector('object', [null])] },
  {
    name: 'externalizable ArrayCollection wrapping an array',
    bytes: `0a 07 43 ${utf8Hex(ARRAY_COLLECTION)} 09 03 01 04 01`,
    values: [new AmfTypedObject(ARRAY_COLLECTION, { source: [1] })],
  },
];

describe('AMF3 golden bytes', () => {
  for (const c of golden) {
    it(`decodes ${c.name}`, () => {
      assert.deepStrictEqual(decodeAmf3(hex(c.bytes)), c.values);
    });
    it(`encodes ${c.name}`, () => {
      assert.equal(encodeAmf3(c.values).toString('hex'), hex(c.bytes).toString('hex'));
    });
  }

  it('decodes an AMF3 array with both parts as one associative array', () => {
    assert.deepStrictEqual(decodeAmf3(hex('09 03 03 61 04 01 01 04 07')), [new AmfEcmaArray({ a: 1, 0: 7 })]);
  });

  it('decodes object, string and date references to the same values', () => {
    const date = new Date(5);
    const obj = { k: date };
    const [arr] = decodeAmf3(encodeAmf3([[obj, obj, date]])) as [AmfValue[]];
    assert.equal(arr[0], arr[1]);
    assert.equal((arr[0] as { k: Date }).k, arr[2]);
    assert.deepStrictEqual(arr[2], date);
  });

  it('keeps references across the AMF3 values of one AMF0 body (one context per body)', () => {
    const obj = { fmsVer: 'FMS/3,5,7,7009' };
    const bytes = encodeAmf0([obj, obj], { avmplus: 'objects' });
    assert.equal(bytes.subarray(-2).toString('hex'), '0a00');
    const [a, b] = decodeAmf0(bytes);
    assert.equal(a, b);
  });
});

describe('AMF3 hostile input', () => {
  const errors: { name: string; bytes: string; code: AmfErrorCode }[] = [
    { name: 'a U29 cut short', bytes: '04 80', code: 'truncated' },
    { name: 'a string longer than its bytes', bytes: '06 07 61', code: 'truncated' },
    {
      name: 'a Vector.<int> declaring 2^28-1 items in 2 bytes',
      bytes: '0d bfffffff 00 00',
      code: 'truncated',
    },
    {
      name: 'a dense array declaring 2^28-1 items in 2 bytes',
      bytes: '09 bfffffff 01 00',
      code: 'truncated',
    },
    { name: 'a string reference into an empty table', bytes: '06 02', code: 'bad_reference' },
    { name: 'an object reference into an empty table', bytes: '0a 02', code: 'bad_reference' },
    { name: 'a traits reference into an empty table', bytes: '0a 01', code: 'bad_reference' },
    { name: 'an array containing itself', bytes: '09 03 01 09 00', code: 'bad_reference' },
    {
      name: 'an externalizable class it cannot read',
      bytes: `0a 07 07 ${utf8Hex('Foo')} 01`,
      code: 'unsupported',
    },
    { name: 'a dictionary', bytes: '11 01 00', code: 'unsupported' },
    { name: 'a marker past the spec', bytes: '12', code: 'unknown_marker' },
    { name: '65 nested arrays', bytes: `${'09 03 01 '.repeat(65)}01`, code: 'depth_exceeded' },
  ];
  for (const c of errors) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assertAmfError(() => decodeAmf3(hex(c.bytes)), c.code);
    });
  }

  it('accepts 64 nested arrays, exactly the default limit', () => {
    assert.equal(decodeAmf3(hex(`${'09 03 01 '.repeat(64)}01`)).length, 1);
  });

  it('rejects an AMF3 value behind 0x11 that nests past the limit counted from the AMF0 side', () => {
    assertAmfError(() => decodeAmf0(hex(`0a 00000001 11 ${'09 03 01 '.repeat(64)}01`)), 'depth_exceeded');
  });
});

describe('AMF3 encoder refusals', () => {
  it('refuses an empty dynamic member name, which would end the member list', () => {
    assertAmfError(() => encodeAmf3([{ '': 1 }]), 'unencodable');
  });
  it('refuses vector items outside the element type', () => {
    assertAmfError(() => encodeAmf3([new AmfVector('int', [1.5])]), 'unencodable');
    assertAmfError(() => encodeAmf3([new AmfVector('uint', [-1])]), 'unencodable');
    assertAmfError(() => encodeAmf3([new AmfVector('double', ['x'])]), 'unencodable');
  });
  it('refuses a cyclic value', () => {
    const cyclic: AmfValue[] = [];
    cyclic.push(cyclic);
    assertAmfError(() => encodeAmf3([cyclic]), 'unencodable');
  });
});
