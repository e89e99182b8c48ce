import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmfEcmaArray, type AmfObject, type AmfValue, encodeAmf0 } from '@tributary/rtmp-core';
import fc from 'fast-check';
import { MAX_STRING_BYTES, playerMetadata } from './player-metadata';

const KNOWN = [
  'width',
  'height',
  'framerate',
  'videocodecid',
  'audiocodecid',
  'stereo',
  'encoder',
  'title',
  'duration',
];
const { value } = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 400 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }).map((o) => new AmfEcmaArray(o)),
  ),
}));
const meta = fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN), fc.string({ maxLength: 8 })), value, {
  maxKeys: 12,
}) as fc.Arbitrary<AmfObject>;

describe('playerMetadata', () => {
  it('keeps only whitelisted scalars (finite numbers, booleans, short strings), and the edge fields win', () => {
    fc.assert(
      fc.property(meta, fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), (m, title) => {
        const own: AmfObject = title === undefined ? {} : { title };
        const out = playerMetadata(m, own);
        for (const [k, v] of Object.entries(out)) {
          if (k in own) continue;
          assert.ok(Object.hasOwn(m, k), `${k} came from the publisher`);
          assert.equal(v, m[k]);
          assert.ok(
            (typeof v === 'number' && Number.isFinite(v)) ||
              typeof v === 'boolean' ||
              (typeof v === 'string' && Buffer.byteLength(v) <= MAX_STRING_BYTES),
            `${k} is a bounded scalar`,
          );
        }
        if (title !== undefined) assert.equal(out.title, title);
        // Small by construction: a few dozen names of bounded scalars.
        assert.ok(encodeAmf0(['onMetaData', out]).length < 4096);
      }),
      { seed: 0x3e7a, numRuns: 2000 },
    );
  });

  it('keeps the fields FFmpeg writes', () => {
    const ffmpeg = {
      duration: 0,
      width: 1920,
      height: 1080,
      videodatarate: 2500,
      framerate: 30,
      videocodecid: 7,
      audiodatarate: 128,
      audiosamplerate: 48000,
      audiosamplesize: 16,
      stereo: true,
      audiocodecid: 10,
      encoder: 'Lavf61.7.100',
      filesize: 0,
    };
    assert.deepEqual(playerMetadata(ffmpeg), ffmpeg);
    assert.deepEqual(playerMetadata({ videocodecid: 'hvc1', width: Number.NaN, nested: { a: 1 } }), {
      videocodecid: 'hvc1',
    });
  });
});
