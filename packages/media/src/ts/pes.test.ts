import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readTimestamp, StreamId, writePesHeader, writeTimestamp } from './pes';
import { msTo90k, TIMESTAMP_MODULO } from './ts-packet';

describe('PES header', () => {
  it('writes PTS and DTS when they differ, as ffmpeg does (PTS 1.48 s, DTS 1.4 s)', () => {
    // ffmpeg's first video PES header with B-frames is 000001e0 0000 80c0 0a 31000910a1 110007d861;
    // ours differs only in data_alignment_indicator (0x84): every PES we write starts an access unit.
    const header = writePesHeader(StreamId.Video, 133_200, 126_000, 100_000);
    assert.equal(header.toString('hex'), '000001e0000084c00a' + '31000910a1' + '110007d861');
    assert.equal(readTimestamp(header, 9), 133_200);
    assert.equal(readTimestamp(header, 14), 126_000);
  });

  it('omits a DTS equal to the PTS and bounds PES_packet_length', () => {
    const header = writePesHeader(StreamId.Audio, 126_000, 126_000, 371);
    assert.equal(header.length, 14);
    assert.equal(header.readUInt16BE(4), 3 + 5 + 371);
    assert.equal(header[7], 0x80);
    assert.equal(header[9]! >> 4, 0x2);
  });

  it('encodes every 33-bit timestamp reversibly with marker bits set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TIMESTAMP_MODULO - 1 }), (ts) => {
        const out = Buffer.alloc(5);
        writeTimestamp(out, 0, 0x2, ts);
        assert.equal(readTimestamp(out, 0), ts);
        assert.equal(out[0]! & 1, 1);
        assert.equal(out[2]! & 1, 1);
        assert.equal(out[4]! & 1, 1);
      }),
      { seed: 7 },
    );
  });

  it('wraps 90 kHz timestamps at 2^33', () => {
    const justBelow = (TIMESTAMP_MODULO - 90) / 90; // 1 ms before the wrap, in ms
    assert.equal(msTo90k(justBelow, 0), TIMESTAMP_MODULO - 90);
    assert.equal(msTo90k(justBelow + 2, 0), 90);
    assert.equal(msTo90k(0, 126_000), 126_000);
  });
});
