/**
 * The Enhanced RTMP tag writer against the parsers (round trips, fixed seeds), the connect-command
 * FourCC announcement reader on hostile AMF, and the FourCC sniffer the edge runs on every message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AmfEcmaArray, type AmfValue, decodeAmf0, encodeAmf0 } from '../amf';
import {
  encodeExAudioTag,
  encodeExVideoTag,
  enhancedFourCcOf,
  fourCcSupportOf,
  MAX_ANNOUNCED_FOURCCS,
  MediaError,
  mayStartCodec,
  parseAudioTagHeader,
  parseAv1CodecConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseVideoTagHeader,
  supportsFourCc,
} from './index';
import { mp4Box, readFixture } from './testing/fixtures';
import { MEDIA_PARSERS } from './testing/parsers';

const SEED = 0x5e7a;
const RUNS = 1000;

const fourCc = fc.constantFrom('hvc1', 'av01', 'vp09', 'avc1', 'vp08', 'zzzz');
const frameType = fc.constantFrom('key', 'inter', 'disposable', 'generated-key') as fc.Arbitrary<
  'key' | 'inter' | 'disposable' | 'generated-key'
>;
const body = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));

describe('Enhanced RTMP tag writer', () => {
  it('coded video frames round-trip through parseVideoTagHeader (FourCC, frame type, CT, body)', () => {
    fc.assert(
      fc.property(fourCc, frameType, body, fc.integer({ min: -0x800000, max: 0x7fffff }), (f, t, b, ct) => {
        const withCt = f === 'hvc1' || f === 'avc1';
        const tag = encodeExVideoTag({
          fourCc: f,
          packetType: 'coded-frames',
          frameType: t,
          compositionTimeMs: withCt ? ct : 0,
          body: b,
        });
        const h = parseVideoTagHeader(tag);
        assert.equal(h.enhanced, true);
        assert.equal(h.fourCc, f);
        assert.equal(h.frameType, t);
        assert.equal(h.packetType, 'coded-frames');
        assert.equal(h.isKeyframe, t === 'key' || t === 'generated-key');
        assert.equal(h.compositionTimeMs, withCt ? ct : 0);
        assert.deepEqual(tag.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), b);
        assert.equal(enhancedFourCcOf(9, tag), f);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('sequence start and end round-trip, and carry real hvcC / av1C records', () => {
    for (const [file, box, f] of [
      ['hevc.mp4', 'hvcC', 'hvc1'],
      ['av1.mp4', 'av1C', 'av01'],
    ] as const) {
      const record = mp4Box(readFixture(file), box);
      const tag = encodeExVideoTag({ fourCc: f, packetType: 'sequence-start', body: record });
      const h = parseVideoTagHeader(tag);
      assert.equal(h.isSequenceHeader, true);
      const inner = tag.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
      assert.deepEqual(inner, record);
      if (f === 'hvc1') assert.equal(parseHevcDecoderConfigurationRecord(inner).width, 320);
      else assert.equal(parseAv1CodecConfigurationRecord(inner).width, 160);
      const end = parseVideoTagHeader(
        encodeExVideoTag({ fourCc: f, packetType: 'sequence-end', body: Buffer.alloc(0) }),
      );
      assert.equal(end.packetType, 'sequence-end');
    }
  });

  it('hvc1 with CT 0 uses CodedFramesX (no SI24 on the wire), av01 plain CodedFrames', () => {
    const hevc = encodeExVideoTag({
      fourCc: 'hvc1',
      packetType: 'coded-frames',
      frameType: 'inter',
      body: Buffer.from([1]),
    });
    assert.deepEqual([...hevc], [0x80 | 0x20 | 3, 0x68, 0x76, 0x63, 0x31, 1]);
    const av1 = encodeExVideoTag({ fourCc: 'av01', packetType: 'coded-frames', body: Buffer.from([1]) });
    assert.deepEqual([...av1], [0x80 | 0x10 | 1, 0x61, 0x76, 0x30, 0x31, 1]);
  });

  it('refuses what the wire cannot say, with MediaError only', () => {
    const bad: Parameters<typeof encodeExVideoTag>[0][] = [
      { fourCc: 'hvc', packetType: 'coded-frames', body: Buffer.alloc(0) },
      { fourCc: 'h€vc', packetType: 'coded-frames', body: Buffer.alloc(0) },
      { fourCc: 'av01', packetType: 'coded-frames', compositionTimeMs: 40, body: Buffer.alloc(0) },
      { fourCc: 'hvc1', packetType: 'sequence-start', compositionTimeMs: 40, body: Buffer.alloc(0) },
      { fourCc: 'hvc1', packetType: 'coded-frames', compositionTimeMs: 0x800000, body: Buffer.alloc(0) },
    ];
    for (const tag of bad) assert.throws(() => encodeExVideoTag(tag), MediaError);
    assert.throws(
      () => encodeExAudioTag({ fourCc: 'Opu', packetType: 'coded-frames', body: Buffer.alloc(0) }),
      MediaError,
    );
  });

  it('audio tags round-trip through parseAudioTagHeader', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Opus', 'fLaC', 'mp4a', 'ac-3', 'zzzz'),
        fc.constantFrom('sequence-start', 'coded-frames', 'sequence-end') as fc.Arbitrary<
          'sequence-start' | 'coded-frames' | 'sequence-end'
        >,
        body,
        (f, packetType, b) => {
          const tag = encodeExAudioTag({ fourCc: f, packetType, body: b });
          const h = parseAudioTagHeader(tag);
          assert.equal(h.enhanced, true);
          assert.equal(h.fourCc, f);
          assert.equal(h.packetType, packetType === 'sequence-start' ? 'sequence-header' : packetType);
          assert.deepEqual(tag.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), b);
          assert.equal(enhancedFourCcOf(8, tag), f);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('connect FourCC announcements (fourCcList, videoFourCcInfoMap, audioFourCcInfoMap)', () => {
  it('reads v1 fourCcList and v2 info maps; CanDecode or CanForward counts, CanEncode alone does not', () => {
    const s = fourCcSupportOf({
      fourCcList: ['hvc1', 'av01'],
      videoFourCcInfoMap: { vp09: 2, avc1: 1 },
      audioFourCcInfoMap: new AmfEcmaArray({ Opus: 4 }),
    });
    assert.equal(s.enhanced, true);
    assert.ok(supportsFourCc(s, 'video', 'hvc1'));
    assert.ok(supportsFourCc(s, 'video', 'av01'));
    assert.ok(supportsFourCc(s, 'video', 'avc1'));
    assert.ok(!supportsFourCc(s, 'video', 'vp09'));
    assert.ok(supportsFourCc(s, 'audio', 'Opus'));
    assert.ok(!supportsFourCc(s, 'audio', 'fLaC'));
    const any = fourCcSupportOf({ videoFourCcInfoMap: { '*': 7 } });
    assert.ok(supportsFourCc(any, 'video', 'av01') && !supportsFourCc(any, 'audio', 'Opus'));
    const legacy = fourCcSupportOf({ app: 'live', videoCodecs: 252 });
    assert.equal(legacy.enhanced, false);
    assert.ok(!supportsFourCc(legacy, 'video', 'hvc1'));
  });

  it('ignores wrongly typed and oversized announcements (what a hostile connect can hold)', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `x${String(i).padStart(3, '0')}`.slice(0, 4));
    many.push('hvc1');
    const s = fourCcSupportOf({
      fourCcList: many,
      videoFourCcInfoMap: ['hvc1'] as AmfValue,
      audioFourCcInfoMap: 'Opus',
    });
    assert.ok(s.video.size <= MAX_ANNOUNCED_FOURCCS);
    assert.ok(!supportsFourCc(s, 'video', 'hvc1'));
    assert.ok(!supportsFourCc(s, 'audio', 'Opus'));
  });

  it('never throws on any AMF0 command object that decodes', () => {
    const amf: fc.Arbitrary<AmfValue> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.double(),
        fc.string({ maxLength: 6 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.constantFrom('*', 'hvc1', 'Opus', 'av01', 'x'), tie('value'), { maxKeys: 4 }),
      ),
    })).value as fc.Arbitrary<AmfValue>;
    fc.assert(
      fc.property(amf, amf, amf, (list, video, audio) => {
        const [decoded] = decodeAmf0(
          encodeAmf0([{ fourCcList: list, videoFourCcInfoMap: video, audioFourCcInfoMap: audio }]),
        );
        const s = fourCcSupportOf(decoded as never);
        for (const f of s.video) assert.ok(f.length === 4 || f === '*');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('enhancedFourCcOf: legacy tags are undefined, truncated or ModEx/multi-codec Ex tags are "*"', () => {
    assert.equal(enhancedFourCcOf(9, Buffer.from([0x17, 0, 0, 0, 0])), undefined);
    assert.equal(enhancedFourCcOf(8, Buffer.from([0xaf, 1])), undefined);
    assert.equal(enhancedFourCcOf(9, Buffer.from([0x91, 0x68])), '*');
    assert.equal(enhancedFourCcOf(9, Buffer.from([0x97, 0, 0, 0x01])), '*');
    // A well-formed ModEx (TimestampOffsetNano) around an hvc1 SequenceStart names hvc1.
    const modEx = Buffer.concat([
      Buffer.from([0x97, 0x02, 0, 0, 1, 0x00]),
      Buffer.from('hvc1', 'latin1'),
      Buffer.from([1]),
    ]);
    assert.equal(enhancedFourCcOf(9, modEx), 'hvc1');
    assert.ok(mayStartCodec(9, modEx));
    assert.ok(mayStartCodec(9, Buffer.from([0x90])));
    assert.ok(mayStartCodec(9, Buffer.from([0x96, 0x00])));
    assert.ok(!mayStartCodec(9, Buffer.from([0x96, 0x01])));
    assert.ok(!mayStartCodec(9, Buffer.from([0x91])));
    assert.ok(mayStartCodec(8, Buffer.from([0x95, 0x00])));
    assert.ok(!mayStartCodec(8, Buffer.from([0x91])));
    assert.equal(enhancedFourCcOf(9, Buffer.from([0x96, 0x21, 0x68, 0x76, 0x63, 0x31])), '*');
    assert.equal(enhancedFourCcOf(9, Buffer.from([0x96, 0x01, 0x68, 0x76, 0x63, 0x31])), 'hvc1');
    assert.equal(enhancedFourCcOf(18, Buffer.from([0x96])), undefined);
    assert.equal(enhancedFourCcOf(9, Buffer.alloc(0)), undefined);
    fc.assert(
      fc.property(fc.constantFrom(8, 9), fc.uint8Array({ maxLength: 12 }), (t, b) => {
        const f = enhancedFourCcOf(t, b);
        assert.ok(f === undefined || f.length === 4 || f === '*');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('hostile Enhanced RTMP tags (docs/reliability.md: enhanced-rtmp)', () => {
  /** Real Ex tags: the fixtures' hvcC / av1C as sequence starts, frames, an Opus start, ModEx and multitrack forms. */
  const hvcC = mp4Box(readFixture('hevc.mp4'), 'hvcC');
  const av1C = mp4Box(readFixture('av1.mp4'), 'av1C');
  const opusHead = Buffer.from('4f707573486561640102380180bb0000000000', 'hex');
  const hevcStart = encodeExVideoTag({ fourCc: 'hvc1', packetType: 'sequence-start', body: hvcC });
  const seeds: [string, Buffer][] = [
    ['video', hevcStart],
    ['video', encodeExVideoTag({ fourCc: 'av01', packetType: 'sequence-start', body: av1C })],
    [
      'video',
      encodeExVideoTag({
        fourCc: 'hvc1',
        packetType: 'coded-frames',
        compositionTimeMs: 80,
        body: Buffer.from('0000000426010af0', 'hex'),
      }),
    ],
    ['audio', encodeExAudioTag({ fourCc: 'Opus', packetType: 'sequence-start', body: opusHead })],
    // ModEx (TimestampOffsetNano, 3 bytes) wrapping a SequenceStart, and a OneTrack multitrack tag.
    ['video', Buffer.concat([Buffer.from([0x97, 0x02, 0, 0, 1, 0x00]), hevcStart.subarray(1)])],
    ['video', Buffer.concat([Buffer.from([0x96, 0x00]), hevcStart.subarray(1, 5), Buffer.from([1]), hvcC])],
  ];

  it('the seeds parse (they are valid tags)', () => {
    for (const [kind, tag] of seeds) MEDIA_PARSERS[kind]!(tag);
  });

  it('any flip, drop, insert or cut of them throws MediaError or nothing, and the sniffer never throws', () => {
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(
          fc.record({
            at: fc.nat(),
            byte: fc.nat(255),
            how: fc.constantFrom('flip', 'drop', 'cut', 'insert'),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (which, mutations) => {
          const [kind, seed] = seeds[which]!;
          let bytes = seed;
          for (const m of mutations) {
            const i = m.at % Math.max(1, bytes.length);
            if (m.how === 'flip') {
              bytes = Buffer.from(bytes);
              bytes[i] = m.byte;
            } else if (m.how === 'drop') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
            else if (m.how === 'insert')
              bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([m.byte]), bytes.subarray(i)]);
            else bytes = bytes.subarray(0, i);
          }
          try {
            MEDIA_PARSERS[kind]!(bytes);
          } catch (err) {
            if (!(err instanceof MediaError)) throw err;
          }
          enhancedFourCcOf(kind === 'video' ? 9 : 8, bytes);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
