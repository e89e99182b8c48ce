import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MediaFileError, MediaFileErrorCode } from '../errors';
import { box, fields, fullBox } from '../fmp4/boxes';
import { tagBody } from './flv-tags';
import { indexMediaFile } from './index-file';
import { bufferSource, SAMPLE_KEYFRAME, SAMPLE_VIDEO, seekSample } from './media-index';

// A small but complete MP4, built box by box: one H.264 track (6 frames at 25 fps, keyframes 0 and 3,
// composition offsets), one AAC track (4 frames), both in one mdat. Hostile files are mutations of it.
const SPS = Buffer.from('6742c01e95a0a0fd00', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const AVCC = Buffer.concat([
  Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1]),
  fields([2, SPS.length]),
  SPS,
  Buffer.from([1]),
  fields([2, PPS.length]),
  PPS,
]);
const ASC = Buffer.from([0x12, 0x10]); // AAC LC, 44.1 kHz, stereo
const VIDEO_SIZES = [40, 10, 12, 30, 11, 9];
const AUDIO_SIZES = [7, 8, 9, 6];

function trak(handler: 'vide' | 'soun', timescale: number, entry: Buffer, tables: Buffer[]): Buffer {
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    fields([4, 0]),
    Buffer.from(handler, 'latin1'),
    Buffer.alloc(12),
    Buffer.from([0]),
  );
  const mdhd = fullBox('mdhd', 0, 0, fields([4, 0], [4, 0], [4, timescale], [4, 0], [2, 0], [2, 0]));
  const stsd = fullBox('stsd', 0, 0, fields([4, 1]), entry);
  return box('trak', box('mdia', mdhd, hdlr, box('minf', box('stbl', stsd, ...tables))));
}

function sampleMp4(): Buffer {
  const avc1 = box(
    'avc1',
    Buffer.alloc(6),
    fields([2, 1]),
    Buffer.alloc(16),
    fields([2, 320], [2, 240], [4, 0x480000], [4, 0x480000], [4, 0], [2, 1]),
    Buffer.alloc(32),
    fields([2, 0x18], [2, 0xffff]),
    box('avcC', AVCC),
  );
  const esds = fullBox(
    'esds',
    0,
    0,
    Buffer.from([0x03, 25, 0, 1, 0, 0x04, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 2]),
    ASC,
  );
  const mp4a = box(
    'mp4a',
    Buffer.alloc(6),
    fields([2, 1]),
    Buffer.alloc(8),
    fields([2, 2], [2, 16], [4, 0], [4, 44100 * 65536]),
    esds,
  );
  const mdatPayload = Buffer.alloc(
    [...VIDEO_SIZES, ...AUDIO_SIZES].reduce((a, b) => a + b, 0),
    0xab,
  );
  const ftyp = box(
    'ftyp',
    Buffer.from('isom', 'latin1'),
    fields([4, 0x200]),
    Buffer.from('isomavc1', 'latin1'),
  );
  // Offsets depend on the moov's size, which does not depend on them: build twice.
  const build = (mdatStart: number) => {
    const videoChunk = mdatStart;
    const audioChunk = mdatStart + VIDEO_SIZES.reduce((a, b) => a + b, 0);
    const video = trak('vide', 12800, avc1, [
      fullBox('stts', 0, 0, fields([4, 1], [4, 6], [4, 512])),
      fullBox('ctts', 0, 0, fields([4, 2], [4, 1], [4, 1024], [4, 5], [4, 0])),
      fullBox('stss', 0, 0, fields([4, 2], [4, 1], [4, 4])),
      fullBox('stsc', 0, 0, fields([4, 1], [4, 1], [4, 6], [4, 1])),
      fullBox('stsz', 0, 0, fields([4, 0], [4, 6], ...VIDEO_SIZES.map((s) => [4, s] as const))),
      fullBox('stco', 0, 0, fields([4, 1], [4, videoChunk])),
    ]);
    const audio = trak('soun', 44100, mp4a, [
      fullBox('stts', 0, 0, fields([4, 1], [4, 4], [4, 1024])),
      fullBox('stsc', 0, 0, fields([4, 1], [4, 1], [4, 4], [4, 1])),
      fullBox('stsz', 0, 0, fields([4, 0], [4, 4], ...AUDIO_SIZES.map((s) => [4, s] as const))),
      fullBox('stco', 0, 0, fields([4, 1], [4, audioChunk])),
    ]);
    return box('moov', fullBox('mvhd', 0, 0, Buffer.alloc(96)), video, audio);
  };
  const moovSize = build(0).length;
  const moov = build(ftyp.length + moovSize + 8);
  return Buffer.concat([ftyp, moov, box('mdat', mdatPayload)]);
}

/** A small FLV: header, AVC and AAC sequence headers, 4 video frames (keyframe first), 3 AAC frames. */
function sampleFlv(): Buffer {
  const parts: Buffer[] = [Buffer.from('464c5601050000000900000000', 'hex')];
  const tag = (type: number, ts: number, body: Buffer) => {
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(body.length, 1, 3);
    h.writeUIntBE(ts & 0xffffff, 4, 3);
    parts.push(h, body, fields([4, 11 + body.length]));
  };
  tag(9, 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), AVCC]));
  tag(8, 0, Buffer.concat([Buffer.from([0xaf, 0]), ASC]));
  for (let i = 0; i < 4; i++) {
    tag(9, i * 40, Buffer.concat([Buffer.from([i === 0 ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(8, i)]));
    if (i < 3) tag(8, i * 23, Buffer.concat([Buffer.from([0xaf, 1]), Buffer.alloc(6, i)]));
  }
  return Buffer.concat(parts);
}

/** Indexing hostile bytes ends in an index or a MediaFileError: nothing else, ever. */
async function onlyMediaFileErrors(bytes: Buffer): Promise<void> {
  try {
    await indexMediaFile(bufferSource(bytes));
  } catch (err) {
    if (!(err instanceof MediaFileError)) throw err;
    assert.ok(Object.values(MediaFileErrorCode).includes(err.code));
  }
}

/** Up to 8 bytes of `file` changed, and maybe the rest cut off, 2000 times: never anything but those two ends. */
function mutationsEndWell(file: Buffer): Promise<void> {
  return fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.option(fc.nat(file.length), { nil: undefined }),
      async (flips, cut) => {
        const bytes = Buffer.from(file);
        for (const [at, value] of flips) bytes[at] = value;
        await onlyMediaFileErrors(cut === undefined ? bytes : bytes.subarray(0, cut));
      },
    ),
    { numRuns: 2000 },
  );
}

describe('MP4 index (hand-built file)', () => {
  it('reads tracks, samples in decoding order, offsets, composition offsets and keyframes', async () => {
    const file = sampleMp4();
    const index = await indexMediaFile(bufferSource(file));
    assert.equal(index.format, 'mp4');
    assert.deepEqual([index.video?.width, index.video?.height], [320, 240]);
    assert.deepEqual([index.audio?.codec, index.audio?.sampleRate, index.audio?.channels], ['aac', 44100, 2]);
    assert.deepEqual(index.video?.sequenceHeader, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), AVCC]));
    assert.deepEqual(index.audio?.sequenceHeader, Buffer.concat([Buffer.from([0xaf, 0]), ASC]));
    assert.equal(index.samples.count, 10);
    const video = [...Array(index.samples.count).keys()].filter(
      (i) => (index.samples.flags[i] as number) & SAMPLE_VIDEO,
    );
    assert.deepEqual(
      video.map((i) => index.samples.dts[i]),
      [0, 40, 80, 120, 160, 200],
    );
    assert.deepEqual(
      video.map((i) => index.samples.cto[i]),
      [80, 0, 0, 0, 0, 0],
    );
    assert.deepEqual(
      video.map((i) => ((index.samples.flags[i] as number) & SAMPLE_KEYFRAME) !== 0),
      [true, false, false, true, false, false],
    );
    assert.deepEqual([...index.keyframes.timeMs], [0, 120]);
    assert.equal(seekSample(index, 130).timeMs, 120);
    for (let i = 1; i < index.samples.count; i++)
      assert.ok((index.samples.dts[i] as number) >= (index.samples.dts[i - 1] as number));
    // The first video sample's tag body: keyframe, AVC NALU, composition time 80 ms, then its bytes.
    const first = video[0] as number;
    const at = index.samples.offset[first] as number;
    const body = tagBody(index, first, file.subarray(at, at + (index.samples.size[first] as number)));
    assert.deepEqual([...body.subarray(0, 5)], [0x17, 1, 0, 0, 80]);
    assert.equal(body.length, 5 + 40);
  });

  it('refuses a sample table that names bytes past the file', async () => {
    const file = sampleMp4();
    await assert.rejects(indexMediaFile(bufferSource(file.subarray(0, file.length - 5))), (err: unknown) => {
      assert.ok(err instanceof MediaFileError);
      assert.equal(err.code, MediaFileErrorCode.Truncated);
      return true;
    });
  });

  it('refuses more samples than the limit before allocating them', async () => {
    await assert.rejects(indexMediaFile(bufferSource(sampleMp4()), { maxSamples: 5 }), (err: unknown) => {
      assert.ok(err instanceof MediaFileError);
      assert.equal(err.code, MediaFileErrorCode.TooLarge);
      return true;
    });
  });

  it('survives any byte mutation and any truncation with an index or a MediaFileError (property)', () =>
    mutationsEndWell(sampleMp4()));

  it('survives huge counts and sizes in the tables without allocating them (property)', async () => {
    const file = sampleMp4();
    // Every 32-bit field of the moov set to a large value, one at a time.
    const moovAt = file.indexOf('moov', 0, 'latin1') - 4;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: moovAt + 8, max: file.length - 4 }),
        fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000000),
        async (at, v) => {
          const bytes = Buffer.from(file);
          bytes.writeUInt32BE(v, at);
          await onlyMediaFileErrors(bytes);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('FLV index (hand-built file)', () => {
  it('reads sequence headers, tags in file order as whole tag bodies, and keyframes', async () => {
    const file = sampleFlv();
    const index = await indexMediaFile(bufferSource(file));
    assert.equal(index.format, 'flv');
    assert.equal(index.samples.count, 7);
    assert.equal(index.samples.bare, false);
    assert.deepEqual([...index.keyframes.timeMs], [0]);
    assert.deepEqual([index.audio?.sampleRate, index.audio?.channels], [44100, 2]);
    const first = index.samples.offset[0] as number;
    assert.deepEqual([...file.subarray(first, first + 2)], [0x17, 1], 'a sample is its tag body');
  });

  it('survives any byte mutation and any truncation with an index or a MediaFileError (property)', () =>
    mutationsEndWell(sampleFlv()));
});
