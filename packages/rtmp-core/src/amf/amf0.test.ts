import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AmfEcmaArray,
  AmfError,
  type AmfErrorCode,
  type AmfLimits,
  AmfTypedObject,
  type AmfValue,
  AmfXml,
  decodeAmf0,
  encodeAmf0,
} from './index';
import { FFMPEG_CONNECT_BODY_HEX } from './testdata/ffmpeg-connect';

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

/** One table drives both directions: decode(bytes) = values and encode(values) = bytes. */
const golden: { name: string; bytes: string; values: AmfValue[] }[] = [
  { name: 'number 1.0 (§2.2)', bytes: '00 3ff0000000000000', values: [1] },
  { name: 'negative zero keeps its sign', bytes: '00 8000000000000000', values: [-0] },
  { name: 'booleans (§2.3)', bytes: '01 01 01 00', values: [true, false] },
  { name: 'string (§2.4)', bytes: '02 0002 6162', values: ['ab'] },
  { name: 'empty string', bytes: '02 0000', values: [''] },
  { name: 'multi-byte UTF-8 string', bytes: '02 0003 e282ac', values: ['€'] },
  { name: 'null and undefined (§2.7, §2.8)', bytes: '05 06', values: [null, undefined] },
  {
    name: 'anonymous object (§2.5)',
    bytes: '03 0001 61 00 3ff0000000000000 0001 62 02 0001 63 0000 09',
    values: [{ a: 1, b: 'c' }],
  },
  {
    name: 'ECMA array keeps marker 0x08 (§2.10)',
    bytes: '08 00000001 0008 6475726174696f6e 00 4024000000000000 0000 09',
    values: [new AmfEcmaArray({ duration: 10 })],
  },
  { name: 'strict array (§2.12)', bytes: '0a 00000002 00 3ff0000000000000 05', values: [[1, null]] },
  { name: 'empty strict array', bytes: '0a 00000000', values: [[]] },
  { name: 'date at the epoch (§2.13)', bytes: '0b 0000000000000000 0000', values: [new Date(0)] },
  {
    name: 'XML document (§2.17)',
    bytes: `0f 00000004 ${utf8Hex('<a/>')}`,
    values: [new AmfXml('<a/>')],
  },
  {
    name: 'typed object (§2.18)',
    bytes: `10 0003 ${utf8Hex('Foo')} 0001 61 05 0000 09`,
    values: [new AmfTypedObject('Foo', { a: null })],
  },
  {
    name: 'a repeated object is written as a reference (§2.9)',
    bytes: '0a 00000002 03 0001 61 00 3ff0000000000000 0000 09 07 0001',
    values: [[shared, shared]],
  },
  {
    name: 'a byte array switches to AMF3 behind the avmplus marker (§3.1)',
    bytes: '11 0c 05 0102',
    values: [Buffer.from([1, 2])],
  },
  {
    name: 'ffmpeg 5.1 connect command',
    bytes: FFMPEG_CONNECT_BODY_HEX,
    values: [
      'connect',
      1,
      {
        app: 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)',
        tcUrl: 'rtmp://127.0.0.1:39809/live',
      },
    ],
  },
];

describe('AMF0 golden bytes', () => {
  for (const c of golden) {
    it(`decodes ${c.name}`, () => {
      assert.deepStrictEqual(decodeAmf0(hex(c.bytes)), c.values);
    });
    it(`encodes ${c.name}`, () => {
      assert.equal(encodeAmf0(c.values).toString('hex'), hex(c.bytes).toString('hex'));
    });
  }

  it('decodes a reference to the very same JavaScript object', () => {
    const [arr] = decodeAmf0(hex('0a 00000002 03 0000 09 07 0001')) as [AmfValue[]];
    assert.equal(arr[0], arr[1]);
  });

  it('writes strings over 65535 bytes as long strings (§2.14) and reads them back', () => {
    const long = 'x'.repeat(70_000);
    const bytes = encodeAmf0([long]);
    assert.equal(bytes.subarray(0, 5).toString('hex'), '0c00011170');
    assert.deepStrictEqual(decodeAmf0(bytes), [long]);
  });

  it('writes objects as AMF3 behind 0x11 when asked, and reads them back', () => {
    const bytes = encodeAmf0(['_result', 1, { fmsVer: 'FMS/3,5,7,7009' }], { avmplus: 'objects' });
    assert.equal(bytes[bytes.indexOf(0x11) + 1], 0x0a);
    assert.deepStrictEqual(decodeAmf0(bytes), ['_result', 1, { fmsVer: 'FMS/3,5,7,7009' }]);
  });
});

describe('AMF0 decode-only forms', () => {
  it('reads the unsupported marker (0x0D) as undefined', () => {
    assert.deepStrictEqual(decodeAmf0(hex('0d')), [undefined]);
  });
  it('reads any non-zero boolean byte as true', () => {
    assert.deepStrictEqual(decodeAmf0(hex('01 ff')), [true]);
  });
  it('ignores the date time-zone field', () => {
    assert.deepStrictEqual(decodeAmf0(hex('0b 0000000000000000 ffc4')), [new Date(0)]);
  });
  it('ignores a wrong ECMA array count hint', () => {
    assert.deepStrictEqual(decodeAmf0(hex('08 00000000 0001 61 05 0000 09')), [
      new AmfEcmaArray({ a: null }),
    ]);
  });
  it('keeps a hostile __proto__ key as an own property', () => {
    const [obj] = decodeAmf0(hex(`03 0009 ${utf8Hex('__proto__')} 03 0000 09 0000 09`)) as [object];
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepStrictEqual(Object.keys(obj), ['__proto__']);
  });
  it('decodes an empty input to no values', () => {
    assert.deepStrictEqual(decodeAmf0(new Uint8Array(0)), []);
  });
});

/** Nests `depth` containers around null, cycling through object, ECMA array and strict array. */
function nested(depth: number): Buffer {
  const open = ['03 0001 6b', '08 00000001 0001 6b', '0a 00000001'];
  const close = ['0000 09', '0000 09', ''];
  let head = '';
  let tail = '';
  for (let i = 0; i < depth; i++) {
    head += `${open[i % 3]} `;
    tail = `${close[i % 3]} ${tail}`;
  }
  return hex(`${head}05 ${tail}`);
}

/** A strict array nested `depth` deep around null. */
function nestedArrays(depth: number): Buffer {
  return hex(`${'0a 00000001 '.repeat(depth)}05`);
}

describe('AMF0 hostile input (docs/reliability.md: amf-work-bound at codec level)', () => {
  const errors: { name: string; bytes: Buffer; code: AmfErrorCode; limits?: Partial<AmfLimits> }[] = [
    { name: 'a number cut short', bytes: hex('00 3ff0'), code: 'truncated' },
    { name: 'a string longer than its bytes', bytes: hex('02 0005 6162'), code: 'truncated' },
    {
      name: 'a 10 MiB long string declared in 100 bytes',
      bytes: Buffer.concat([hex('0c 00a00000'), Buffer.alloc(95)]),
      code: 'truncated',
    },
    {
      name: 'a strict array declaring 2^32-1 elements with 10 bytes of body',
      bytes: Buffer.concat([hex('0a ffffffff'), Buffer.alloc(10)]),
      code: 'truncated',
    },
    { name: 'an object without its end marker', bytes: hex('03 0001 61 05'), code: 'truncated' },
    { name: 'the reserved movieclip marker', bytes: hex('04'), code: 'unknown_marker' },
    { name: 'the reserved recordset marker', bytes: hex('0e'), code: 'unknown_marker' },
    { name: 'an object-end marker where a value belongs', bytes: hex('09'), code: 'unknown_marker' },
    { name: 'a marker past the spec', bytes: hex('12'), code: 'unknown_marker' },
    { name: 'a reference with an empty table', bytes: hex('07 0000'), code: 'bad_reference' },
    { name: 'an object referencing itself', bytes: hex('03 0001 61 07 0000 0000 09'), code: 'bad_reference' },
    {
      name: '1000 nested objects, ECMA and strict arrays (docs/reliability.md: amf-work-bound; ZLMediaKit #4787, Red5 #469)',
      bytes: nested(1000),
      code: 'depth_exceeded',
    },
    { name: '65 nested strict arrays', bytes: nestedArrays(65), code: 'depth_exceeded' },
    {
      name: 'an input over maxBytes',
      bytes: hex('02 0002 6162'),
      code: 'too_large',
      limits: { maxBytes: 4 },
    },
    {
      name: 'a string over maxStringLength',
      bytes: hex('02 0004 61626364'),
      code: 'too_large',
      limits: { maxStringLength: 3 },
    },
    {
      name: 'a strict array over maxElements',
      bytes: hex('0a 00000003 05 05 05'),
      code: 'too_large',
      limits: { maxElements: 2 },
    },
    {
      name: 'an object over maxElements',
      bytes: hex('03 0001 61 05 0001 62 05 0001 63 05 0000 09'),
      code: 'too_large',
      limits: { maxElements: 2 },
    },
    {
      name: 'nesting over a lowered maxDepth',
      bytes: nestedArrays(3),
      code: 'depth_exceeded',
      limits: { maxDepth: 2 },
    },
  ];

  for (const c of errors) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assertAmfError(() => decodeAmf0(c.bytes, c.limits), c.code);
    });
  }

  it('accepts nesting exactly at the default limit of 64', () => {
    const [outer] = decodeAmf0(nested(64));
    assert.ok(outer !== null && typeof outer === 'object');
    assert.deepStrictEqual(decodeAmf0(nestedArrays(64)).length, 1);
  });

  it('accepts an input exactly at maxBytes and a count exactly at maxElements', () => {
    assert.deepStrictEqual(decodeAmf0(hex('02 0002 6162'), { maxBytes: 5 }), ['ab']);
    assert.deepStrictEqual(decodeAmf0(hex('0a 00000002 05 05'), { maxElements: 2 }), [[null, null]]);
  });
});

describe('AMF0 encoder refusals', () => {
  it('refuses values without an AMF form', () => {
    assertAmfError(() => encodeAmf0([(() => 1) as unknown as AmfValue]), 'unencodable');
    assertAmfError(() => encodeAmf0([10n as unknown as AmfValue]), 'unencodable');
    assertAmfError(() => encodeAmf0([new Map() as unknown as AmfValue]), 'unencodable');
  });
  it('refuses a cyclic value', () => {
    const cyclic: { self?: AmfValue } = {};
    cyclic.self = cyclic as AmfValue;
    assertAmfError(() => encodeAmf0([cyclic as AmfValue]), 'unencodable');
  });
});
