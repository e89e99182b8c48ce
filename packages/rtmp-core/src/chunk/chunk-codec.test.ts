import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { assertRtmpError, counting, hex } from '../testing/bytes';
import { type RtmpMessage } from './chunk-constants';
import { ChunkDecoder } from './chunk-decoder';
import { ChunkEncoder, encodeMessageFmt0 } from './chunk-encoder';

const msg = (
  csid: number,
  timestamp: number,
  typeId: number,
  messageStreamId: number,
  payload: Buffer,
): RtmpMessage => ({
  csid,
  timestamp,
  typeId,
  messageStreamId,
  payload,
});

/**
 * One table drives both directions (gortmplib chunk_test.go style): decode(bytes) = messages, and, where
 * `encodes` is set, our encoder produces exactly these bytes. Decode-only rows are what other encoders
 * send (fmt 3 starting a message, Extended Timestamp omitted on continuations). Chunk boundaries are
 * written on separate lines.
 */
const golden: {
  name: string;
  chunkSize: number;
  bytes: string;
  messages: RtmpMessage[];
  encodes: boolean;
}[] = [
  {
    name: 'fmt 0, one chunk, csid 2',
    chunkSize: 128,
    bytes: '02 000000 000004 05 00000000  00002625',
    messages: [msg(2, 0, 5, 0, hex('00002625'))],
    encodes: true,
  },
  {
    name: 'a 200-byte message split into 128 + 72 with a fmt 3 continuation',
    chunkSize: 128,
    bytes: `03 0003e8 0000c8 14 01000000 ${counting(128).toString('hex')}
            c3 ${counting(72, 128).toString('hex')}`,
    messages: [msg(3, 1000, 20, 1, counting(200))],
    encodes: true,
  },
  {
    name: 'fmt 1 then fmt 2 carry timestamp deltas',
    chunkSize: 128,
    bytes: `06 000064 000002 09 01000000 aabb
            46 000021 000003 08 ccddee
            86 000021 ffeedd`,
    messages: [
      msg(6, 100, 9, 1, hex('aabb')),
      msg(6, 133, 8, 1, hex('ccddee')),
      msg(6, 166, 8, 1, hex('ffeedd')),
    ],
    encodes: true,
  },
  {
    name: '2-byte basic header: csid 64 + b1',
    chunkSize: 128,
    bytes: '00 24 000000 000001 14 00000000 01',
    messages: [msg(100, 0, 20, 0, hex('01'))],
    encodes: true,
  },
  {
    name: '3-byte basic header: csid b2*256 + b1 + 64',
    chunkSize: 128,
    bytes: '01 50 01 000000 000001 14 00000000 01',
    messages: [msg(400, 0, 20, 0, hex('01'))],
    encodes: true,
  },
  {
    name: 'largest csid 65599 (0xffff + 64)',
    chunkSize: 128,
    bytes: '01 ff ff 000000 000000 14 00000000',
    messages: [msg(65599, 0, 20, 0, Buffer.alloc(0))],
    encodes: true,
  },
  {
    name: 'timestamp 0xfffffe fits the 24-bit field',
    chunkSize: 128,
    bytes: '04 fffffe 000001 09 01000000 17',
    messages: [msg(4, 0xfffffe, 9, 1, hex('17'))],
    encodes: true,
  },
  {
    name: 'timestamp 0xffffff needs the Extended Timestamp',
    chunkSize: 128,
    bytes: '04 ffffff 000001 09 01000000 00ffffff 17',
    messages: [msg(4, 0xffffff, 9, 1, hex('17'))],
    encodes: true,
  },
  {
    name: 'extended timestamp repeated on fmt 3 continuations (librtmp/FFmpeg style)',
    chunkSize: 4,
    bytes: `04 ffffff 000006 09 01000000 01000000 00010203
            c4 01000000 0405`,
    messages: [msg(4, 0x01000000, 9, 1, counting(6))],
    encodes: true,
  },
  {
    name: 'extended timestamp omitted on fmt 3 continuations (detected by comparing)',
    chunkSize: 4,
    bytes: `04 ffffff 000008 09 01000000 01000000 00010203
            c4 04050607`,
    messages: [msg(4, 0x01000000, 9, 1, counting(8))],
    encodes: false,
  },
  {
    name: 'extended deltas accumulate across fmt 1 and fmt 2',
    chunkSize: 128,
    bytes: `04 ffffff 000001 09 01000000 01000000 aa
            44 ffffff 000002 09 01000000 bbbb
            84 ffffff 01000000 cc cc`,
    messages: [
      msg(4, 0x01000000, 9, 1, hex('aa')),
      msg(4, 0x02000000, 9, 1, hex('bbbb')),
      msg(4, 0x03000000, 9, 1, hex('cccc')),
    ],
    encodes: true,
  },
  {
    name: 'high bit set: 0x80000000 is 2147483648 ms, not negative',
    chunkSize: 128,
    bytes: '04 ffffff 000001 09 01000000 80000000 01',
    messages: [msg(4, 0x80000000, 9, 1, hex('01'))],
    encodes: true,
  },
  {
    name: 'a delta past 2^32 wraps',
    chunkSize: 128,
    bytes: `04 ffffff 000001 09 01000000 fffffff0 01
            84 000020 02`,
    messages: [msg(4, 0xfffffff0, 9, 1, hex('01')), msg(4, 0x10, 9, 1, hex('02'))],
    encodes: false,
  },
  {
    name: 'a backwards jump is a new fmt 0 header',
    chunkSize: 128,
    bytes: `04 001388 000001 09 01000000 01
            04 0003e8 000001 09 01000000 02`,
    messages: [msg(4, 5000, 9, 1, hex('01')), msg(4, 1000, 9, 1, hex('02'))],
    encodes: true,
  },
  {
    name: 'fmt 3 starting a message reuses the last delta (spec 6.1.2.4 example)',
    chunkSize: 128,
    bytes: `03 0003e8 000001 08 01000000 01
            83 000014 02
            c3 03
            c3 04`,
    messages: [
      msg(3, 1000, 8, 1, hex('01')),
      msg(3, 1020, 8, 1, hex('02')),
      msg(3, 1040, 8, 1, hex('03')),
      msg(3, 1060, 8, 1, hex('04')),
    ],
    encodes: false,
  },
  {
    name: 'interleaved chunk streams reassemble independently',
    chunkSize: 2,
    bytes: `04 000000 000004 08 01000000 0001
            06 000000 000003 09 01000000 aabb
            c4 0203
            c6 cc`,
    messages: [msg(4, 0, 8, 1, counting(4)), msg(6, 0, 9, 1, hex('aabbcc'))],
    encodes: false,
  },
  {
    name: 'zero-length message',
    chunkSize: 128,
    bytes: '04 000010 000000 08 01000000',
    messages: [msg(4, 16, 8, 1, Buffer.alloc(0))],
    encodes: true,
  },
];

/** Codec tests use chunk sizes below the 128 policy floor (the spec allows 1). */
const CODEC_ONLY = { minChunkSize: 1 };

function decodeAll(bytes: Buffer, chunkSize: number, pieces: Buffer[] = [bytes]): RtmpMessage[] {
  const d = new ChunkDecoder(CODEC_ONLY);
  d.setChunkSize(chunkSize);
  return pieces.flatMap((p) => d.push(p));
}

function plain(m: RtmpMessage): object {
  return { ...m, payload: m.payload.toString('hex') };
}

describe('chunk codec golden vectors', () => {
  for (const c of golden) {
    it(`decodes: ${c.name}`, () => {
      assert.deepEqual(decodeAll(hex(c.bytes), c.chunkSize).map(plain), c.messages.map(plain));
    });
    it(`decodes split at every byte boundary and one byte at a time: ${c.name}`, () => {
      const bytes = hex(c.bytes);
      for (let at = 0; at <= bytes.length; at++) {
        const got = decodeAll(bytes, c.chunkSize, [bytes.subarray(0, at), bytes.subarray(at)]);
        assert.deepEqual(got.map(plain), c.messages.map(plain), `split at ${at}`);
      }
      const single = [...bytes].map((b) => Buffer.from([b]));
      assert.deepEqual(decodeAll(bytes, c.chunkSize, single).map(plain), c.messages.map(plain));
    });
    if (c.encodes) {
      it(`encodes: ${c.name}`, () => {
        const e = new ChunkEncoder();
        e.setChunkSize(c.chunkSize);
        const out = Buffer.concat(c.messages.flatMap((m) => e.encode(m)));
        assert.equal(out.toString('hex'), hex(c.bytes).toString('hex'));
      });
    }
  }

  it('encodes without copying the payload: every payload piece is a view of the original', () => {
    const payload = counting(300);
    const e = new ChunkEncoder();
    const out = e.encode(msg(6, 0, 9, 1, payload));
    const views = out.filter((_, i) => i % 2 === 1);
    assert.equal(views.length, 3);
    for (const v of views) assert.equal(v.buffer, payload.buffer);
  });

  it('encodeMessageFmt0 always starts with a full header, whatever came before', () => {
    const out = Buffer.concat(encodeMessageFmt0(msg(7, 0x1234, 9, 1, counting(3)), 128));
    assert.equal(out.toString('hex'), hex('07 001234 000003 09 01000000 000102').toString('hex'));
  });
});

describe('chunk decoder rules and limits', () => {
  it('rejects a fmt 1 chunk on a fresh chunk stream', () => {
    assertRtmpError(
      () => new ChunkDecoder(CODEC_ONLY).push(hex('44 000000 000001 09 00')),
      RtmpErrorCode.ChunkNoPreviousHeader,
    );
  });

  it('rejects a fmt 0 chunk that interrupts an incomplete message', () => {
    const d = new ChunkDecoder(CODEC_ONLY);
    d.setChunkSize(2);
    assertRtmpError(
      () => d.push(hex('04 000000 000004 08 01000000 0001  04 000000 000001 08 01000000 00')),
      RtmpErrorCode.ChunkInterrupted,
    );
  });

  it('rejects a declared length above the limit at header time, before any body byte', () => {
    const d = new ChunkDecoder({ ...CODEC_ONLY, maxMessageLength: 1000 });
    assertRtmpError(() => d.push(hex('04 000000 0003e9 09 01000000')), RtmpErrorCode.MessageTooLong);
  });

  it('allocates for received bytes, not declared lengths: 200 connections × 32 streams of cap − 1', () => {
    const cap = 8 * 1024 * 1024;
    // Each chunk stream gets a fmt 0 header declaring cap − 1 bytes and its first 128-byte chunk, no more.
    const header = (csid: number): Buffer => {
      const b = Buffer.concat([hex(`00 000000 000000 09 01000000`), counting(128)]);
      b[0] = csid;
      b.writeUIntBE(cap - 1, 4, 3);
      return b;
    };
    const before = process.memoryUsage().arrayBuffers;
    const decoders: ChunkDecoder[] = [];
    for (let c = 0; c < 200; c++) {
      const d = new ChunkDecoder({ maxMessageLength: cap });
      for (let csid = 3; csid < 35; csid++) assert.deepEqual(d.push(header(csid)), []);
      decoders.push(d);
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 32 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
    assert.equal(decoders.length, 200);
  });

  it('limits the number of open chunk streams', () => {
    const d = new ChunkDecoder({ ...CODEC_ONLY, maxChunkStreams: 3 });
    d.push(hex('03 000000 000000 14 00000000  04 000000 000000 14 00000000  05 000000 000000 14 00000000'));
    assertRtmpError(() => d.push(hex('06 000000 000000 14 00000000')), RtmpErrorCode.TooManyChunkStreams);
  });

  it('limits bytes held in incomplete messages', () => {
    const d = new ChunkDecoder({ ...CODEC_ONLY, maxBufferedBytes: 100 });
    d.setChunkSize(1000);
    d.push(hex('04 000000 0003e8 09 01000000'));
    d.push(counting(100));
    assertRtmpError(() => d.push(counting(1)), RtmpErrorCode.BufferLimit);
  });

  it('Abort discards the partial message of a chunk stream (spec 5.4.2)', () => {
    const d = new ChunkDecoder(CODEC_ONLY);
    d.setChunkSize(2);
    d.push(hex('04 000000 000004 08 01000000 0001'));
    const out = d.push(hex('02 000000 000004 02 00000000 0000  c2 0004  04 000000 000001 08 01000000 ff'));
    assert.deepEqual(
      out.map((m) => [m.csid, m.typeId, m.payload.toString('hex')]),
      [
        [2, 2, '00000004'],
        [4, 8, 'ff'],
      ],
    );
  });

  describe('SetChunkSize edges (spec 5.4.1)', () => {
    const setChunkSize = (size: number): Buffer => {
      const b = hex('02 000000 000004 01 00000000 00000000');
      b.writeUInt32BE(size, 12);
      return b;
    };
    for (const bad of [0, 0x80000000, 0xffffffff]) {
      it(`rejects ${bad} as a protocol error`, () => {
        assertRtmpError(
          () => new ChunkDecoder(CODEC_ONLY).push(setChunkSize(bad)),
          RtmpErrorCode.ChunkSizeInvalid,
        );
      });
    }
    for (const small of [1, 127]) {
      it(`refuses ${small} by the minChunkSize policy (CPU amplification)`, () => {
        assertRtmpError(() => new ChunkDecoder().push(setChunkSize(small)), RtmpErrorCode.ChunkSizeInvalid);
      });
    }
    for (const [size, effective] of [
      [1, 1],
      [128, 128],
      [0x7fffffff, 0xffffff],
      [0x1000000, 0xffffff],
    ] as const) {
      it(`applies ${size} as ${effective} to the very next chunk (minChunkSize 1), and a 1 MiB message reassembles`, () => {
        const d = new ChunkDecoder({
          minChunkSize: 1,
          maxMessageLength: 2 * 1024 * 1024,
          maxBufferedBytes: 4 * 1024 * 1024,
        });
        const payload = counting(1024 * 1024);
        const e = new ChunkEncoder();
        e.setChunkSize(effective);
        const bytes = Buffer.concat([setChunkSize(size), ...e.encode(msg(6, 0, 9, 1, payload))]);
        const out = d.push(bytes);
        assert.equal(d.incomingChunkSize, effective);
        assert.equal(out.length, 2);
        assert.ok(out[1]?.payload.equals(payload));
      });
    }
  });
});

const messageArb = fc.record({
  csid: fc.constantFrom(2, 3, 4, 63, 64, 65, 319, 320, 1000, 65599),
  typeId: fc.integer({ min: 3, max: 255 }), // 1 and 2 would change the decoder's own state
  messageStreamId: fc.constantFrom(0, 1, 2, 0xffffffff),
  payload: fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
  step: fc.oneof(
    fc.integer({ min: 0, max: 100 }),
    fc.constant(0xffffff),
    fc.integer({ min: 0, max: 0x1ffffff }),
  ),
});

describe('chunk codec properties', () => {
  it('decode(encode(messages)) = messages for any chunk size and any split of the bytes', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (specs, chunkSize, cuts) => {
          let ts = 0;
          const messages = specs.map((s) => {
            ts += s.step;
            return msg(s.csid, ts >>> 0, s.typeId, s.messageStreamId, s.payload);
          });
          const e = new ChunkEncoder();
          e.setChunkSize(chunkSize);
          const bytes = Buffer.concat(messages.flatMap((m) => e.encode(m)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const pieces: Buffer[] = [];
          let from = 0;
          for (const p of points) {
            pieces.push(bytes.subarray(from, p));
            from = p;
          }
          pieces.push(bytes.subarray(from));
          const got = decodeAll(bytes, chunkSize, pieces);
          assert.deepEqual(got.map(plain), messages.map(plain));
        },
      ),
      { seed: 0x5eed, numRuns: 300 },
    );
  });
});

describe('chunk decoder fuzz', () => {
  const limits = {
    ...CODEC_ONLY,
    maxMessageLength: 64 * 1024,
    maxChunkStreams: 16,
    maxBufferedBytes: 256 * 1024,
  };
  const onlyRtmpError = (pieces: Uint8Array[]): void => {
    const d = new ChunkDecoder(limits);
    try {
      for (const p of pieces) d.push(Buffer.from(p));
    } catch (err) {
      if (!(err instanceof RtmpError)) throw err;
    }
  };

  it('random bytes produce messages or RtmpError, nothing else', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 8 }), onlyRtmpError), {
      seed: 42,
      numRuns: 2000,
    });
  });

  it('mutated valid streams produce messages or RtmpError, nothing else', () => {
    const e = new ChunkEncoder();
    e.setChunkSize(64);
    const valid = Buffer.concat([
      ...e.encode(msg(3, 0, 20, 0, counting(300))),
      ...e.encode(msg(6, 0x1000000, 9, 1, counting(200))),
      ...e.encode(msg(6, 0x1000020, 9, 1, counting(200))),
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }),
        (muts) => {
          const bytes = Buffer.from(valid);
          for (const [at, v] of muts) bytes[at] = v;
          onlyRtmpError([bytes]);
        },
      ),
      { seed: 7, numRuns: 2000 },
    );
  });
});
