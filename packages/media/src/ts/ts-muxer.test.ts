import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MuxError, MuxErrorCode } from '../errors';
import { aacConfig, avcc, H264_PPS, H264_SPS, h264Config, slice } from '../testing/samples';
import { continuityErrors, readPackets, readPes } from '../testing/ts-reader';
import type { MediaSample } from '../types';
import { TsMuxer } from './ts-muxer';

const START = Buffer.from([0, 0, 0, 1]);

describe('TsMuxer', () => {
  it('writes an H.264 keyframe as AUD, SPS, PPS, then the slices, with PCR and random access', () => {
    const video = h264Config();
    const muxer = new TsMuxer({ video });
    const idr = slice(true, 50);
    const sei = Buffer.from([0x06, 0x05, 0x01, 0x80]);
    const aud = Buffer.from([0x09, 0xf0]);
    const out = muxer.write({
      kind: 'video',
      config: video,
      dts: 0,
      pts: 80,
      keyframe: true,
      data: avcc(aud, sei, idr),
    });
    const [pes] = readPes(readPackets(out), [0x100]);
    assert.ok(pes);
    const expected = Buffer.concat([
      START,
      Buffer.from([0x09, 0xf0]),
      START,
      H264_SPS,
      START,
      H264_PPS,
      START,
      sei,
      START,
      idr,
    ]);
    assert.deepEqual(pes.payload, expected, 'the AUD the sample carried is replaced, not repeated');
    assert.equal(pes.dts, 126_000);
    assert.equal(pes.pts, 126_000 + 80 * 90);
    assert.equal(pes.randomAccess, true);
    assert.equal(readPackets(out)[0]!.pcr, 126_000 - 63_000);
  });

  it('does not repeat parameter sets on non-keyframes', () => {
    const video = h264Config();
    const muxer = new TsMuxer({ video });
    const p = slice(false, 20);
    const [pes] = readPes(
      readPackets(
        muxer.write({ kind: 'video', config: video, dts: 40, pts: 40, keyframe: false, data: avcc(p) }),
      ),
      [0x100],
    );
    assert.deepEqual(pes!.payload, Buffer.concat([START, Buffer.from([0x09, 0xf0]), START, p]));
    assert.equal(pes!.randomAccess, false);
  });

  it('wraps AAC frames in ADTS on the audio PID and puts the PCR there when there is no video', () => {
    const audio = aacConfig();
    const muxer = new TsMuxer({ audio });
    const frame = Buffer.alloc(100, 0x11);
    const packets = readPackets(muxer.write({ kind: 'audio', config: audio, dts: 1000, data: frame }));
    const [pes] = readPes(packets, [0x101]);
    assert.equal(pes!.streamId, 0xc0);
    assert.equal(pes!.payload.subarray(0, 2).toString('hex'), 'fff1');
    assert.deepEqual(pes!.payload.subarray(7), frame);
    assert.equal(packets[0]!.pcr, 126_000 + 90_000 - 63_000);
  });

  it('declares MP3 as MPEG-1 audio at 44.1 kHz and MPEG-2 audio at 22.05 kHz', () => {
    const mp3 = (sampleRate: number) =>
      new TsMuxer({ audio: { codec: 'mp3', sampleRate, channels: 2 } }).tables()[188 + 17];
    assert.equal(mp3(44_100), 0x03);
    assert.equal(mp3(22_050), 0x04);
  });

  it('declares HEVC with stream type 0x24 and inserts its AUD', () => {
    const vps = Buffer.from([0x40, 0x01, 0x0c]);
    const hevc = { ...h264Config(), codec: 'hevc' as const, parameterSets: [vps] };
    const muxer = new TsMuxer({ video: hevc });
    assert.equal(muxer.tables()[188 + 17], 0x24);
    const idr = Buffer.from([0x26, 0x01, 0xaf]); // IDR_W_RADL
    const [pes] = readPes(
      readPackets(
        muxer.write({ kind: 'video', config: hevc, dts: 0, pts: 0, keyframe: true, data: avcc(idr) }),
      ),
      [0x100],
    );
    assert.deepEqual(
      pes!.payload,
      Buffer.concat([START, Buffer.from([0x46, 0x01, 0x50]), START, vps, START, idr]),
    );
  });

  it('refuses AV1 and Opus, which MPEG-TS segments here do not carry', () => {
    const av1 = { ...h264Config(), codec: 'av1' as const };
    assert.throws(() => new TsMuxer({ video: av1 }), { code: MuxErrorCode.UnsupportedCodec });
    assert.throws(() => new TsMuxer({ audio: { codec: 'opus', sampleRate: 48_000, channels: 2 } }), MuxError);
  });

  it('refuses malformed samples with a MuxError and writes nothing', () => {
    const video = h264Config();
    const muxer = new TsMuxer({ video });
    const truncated = avcc(slice(true, 10)).subarray(0, 8);
    for (const data of [Buffer.alloc(0), truncated, Buffer.from([0, 0, 0])]) {
      assert.throws(
        () => muxer.write({ kind: 'video', config: video, dts: 0, pts: 0, keyframe: true, data }),
        MuxError,
      );
    }
    assert.throws(() => muxer.write({ kind: 'audio', config: aacConfig(), dts: 0, data: Buffer.alloc(3) }), {
      code: MuxErrorCode.TrackMismatch,
    });
  });

  it('yields 188-byte packets with consecutive continuity counters for any sample sequence', () => {
    const video = h264Config();
    const audio = aacConfig();
    const sampleArb = fc.oneof(
      fc.record({
        kind: fc.constant('video' as const),
        dts: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        cto: fc.integer({ min: 0, max: 500 }),
        keyframe: fc.boolean(),
        size: fc.integer({ min: 1, max: 3000 }),
      }),
      fc.record({
        kind: fc.constant('audio' as const),
        dts: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        size: fc.integer({ min: 0, max: 2000 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 40 }), (specs) => {
        const muxer = new TsMuxer({ video, audio });
        const chunks: Buffer[] = [muxer.tables()];
        for (const spec of specs) {
          const sample: MediaSample =
            spec.kind === 'video'
              ? {
                  kind: 'video',
                  config: video,
                  dts: spec.dts,
                  pts: spec.dts + spec.cto,
                  keyframe: spec.keyframe,
                  data: avcc(slice(spec.keyframe, spec.size)),
                }
              : { kind: 'audio', config: audio, dts: spec.dts, data: Buffer.alloc(spec.size, 1) };
          try {
            chunks.push(muxer.write(sample));
          } catch (error) {
            assert.ok(error instanceof MuxError && spec.kind === 'audio' && spec.size === 0);
          }
          if (specs.indexOf(spec) % 7 === 6) chunks.push(muxer.tables());
        }
        const ts = Buffer.concat(chunks);
        assert.equal(ts.length % 188, 0);
        const packets = readPackets(ts);
        assert.deepEqual(continuityErrors(packets), []);
        const pes = readPes(packets, [0x100, 0x101]);
        assert.equal(pes.length, chunks.length - 1 - Math.floor(specs.length / 7));
      }),
      { seed: 1, numRuns: 200 },
    );
  });
});
