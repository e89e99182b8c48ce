/**
 * Property tests: every media parser throws only MediaError on random and mutated
 * bytes (docs/reliability.md: media-payloads at codec level), and FLV tags survive encode → parse. Seeds are
 * fixed; inputs that once broke a parser go to fuzz-corpus/media/ (media-corpus.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFlvHeader, encodeFlvTag, FlvTagType, MediaError, parseFlv, summarizeCodecs } from './index';
import { readFixture } from './testing/fixtures';
import { MEDIA_PARSERS } from './testing/parsers';

const SEED = 0x3e1a;
const RUNS = 2000;

function onlyMediaError(parse: (b: Buffer) => unknown, bytes: Buffer): void {
  try {
    parse(bytes);
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
  }
}

/** Real encoder output to mutate: every tag payload of every FLV fixture, plus the files. */
const FIXTURE_FILES = ['h264-aac.flv', 'h264-high444.flv', 'mp3.flv', 'speex.flv', 'sorenson.flv'];
const files = FIXTURE_FILES.map(readFixture);
const payloads = files.flatMap((f) => parseFlv(f).map((t) => t.payload));

const mutation = fc.record({
  at: fc.nat(),
  byte: fc.nat(255),
  how: fc.constantFrom('flip', 'drop', 'cut', 'insert'),
});

function mutate(src: Buffer, m: { at: number; byte: number; how: string }): Buffer {
  if (src.length === 0) return Buffer.from([m.byte]);
  const i = m.at % src.length;
  switch (m.how) {
    case 'flip': {
      const out = Buffer.from(src);
      out[i] = m.byte;
      return out;
    }
    case 'drop':
      return Buffer.concat([src.subarray(0, i), src.subarray(i + 1)]);
    case 'insert':
      return Buffer.concat([src.subarray(0, i), Buffer.from([m.byte]), src.subarray(i)]);
    default:
      return src.subarray(0, i);
  }
}

describe('media parsers on hostile bytes', () => {
  for (const [name, parse] of Object.entries(MEDIA_PARSERS)) {
    it(`${name} throws only MediaError on random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4096, size: 'large' }), (b) =>
          onlyMediaError(parse, Buffer.from(b)),
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it(`${name} throws only MediaError on mutated encoder output`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...payloads),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          (payload, ms) => onlyMediaError(parse, ms.reduce(mutate, payload)),
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  it('parseFlv throws only MediaError on mutated ffmpeg files', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(mutation, { minLength: 1, maxLength: 4 }), (file, ms) =>
        onlyMediaError(parseFlv, ms.reduce(mutate, file)),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('summarizeCodecs never throws, whatever the sequence headers and metadata', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...payloads)),
        fc.option(fc.constantFrom(...payloads)),
        fc.array(mutation, { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom('width', 'height', 'videocodecid', 'audiocodecid', 'stereo', 'framerate'),
          fc.anything(),
        ),
        (video, audio, ms, metadata) => {
          summarizeCodecs({
            ...(video ? { videoSequenceHeader: ms.reduce(mutate, video) } : {}),
            ...(audio ? { audioSequenceHeader: ms.reduce(mutate, audio) } : {}),
            metadata,
          });
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('FLV tag round trip', () => {
  it('parse(encode(tags)) returns the tags', () => {
    const tag = fc.record(
      {
        type: fc.constantFrom(FlvTagType.Audio, FlvTagType.Video, FlvTagType.ScriptData),
        timestampMs: fc.nat({ max: 0xffffffff }),
        payload: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 8 }), (tags) => {
        const bytes = Buffer.concat([
          encodeFlvHeader({ audio: true, video: true }),
          ...tags.flatMap((t) => encodeFlvTag(t.type, t.timestampMs, t.payload)),
        ]);
        assert.deepStrictEqual(parseFlv(bytes), tags);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
