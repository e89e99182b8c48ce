import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AvMultitrackType,
  FlvTagType,
  MediaError,
  type MediaErrorCode,
  parseFlv,
  parseHevcDecoderConfigurationRecord,
  parseVideoTagHeader,
  type VideoTagHeader,
} from './index';
import { exVideoTag, hex, mp4Box, readFixture } from './testing/fixtures';

function assertMediaError(fn: () => unknown, code: MediaErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected MediaError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** The fields a muxer branches on. */
function brief(h: VideoTagHeader) {
  return {
    codec: h.codec,
    frameType: h.frameType,
    packetType: h.packetType,
    compositionTimeMs: h.compositionTimeMs,
    payloadOffset: h.payloadOffset,
    isKeyframe: h.isKeyframe,
    isSequenceHeader: h.isSequenceHeader,
    enhanced: h.enhanced,
  };
}

/** Enhanced RTMP FrameType and PacketType numbers used to build tags. */
const KEY = 1;
const INTER = 2;
const COMMAND = 5;
const SEQUENCE_START = 0;
const CODED_FRAMES = 1;
const SEQUENCE_END = 2;
const CODED_FRAMES_X = 3;
const METADATA = 4;
const MULTITRACK = 6;
const MOD_EX = 7;

describe('legacy video tag headers (FLV E.4.3.1) from ffmpeg', () => {
  const tags = parseFlv(readFixture('h264-aac.flv')).filter((t) => t.type === FlvTagType.Video);
  const headers = tags.map((t) => parseVideoTagHeader(t.payload));

  it('reads the AVC sequence header', () => {
    assert.deepStrictEqual(brief(headers[0] as VideoTagHeader), {
      codec: 'h264',
      frameType: 'key',
      packetType: 'sequence-header',
      compositionTimeMs: 0,
      payloadOffset: 5,
      isKeyframe: false,
      isSequenceHeader: true,
      enhanced: false,
    });
  });

  it('reads one key frame per GOP of 5 and the end of sequence ffmpeg appends', () => {
    const coded = headers.filter((h) => h.packetType === 'coded-frames');
    assert.deepStrictEqual(
      coded.map((h) => h.isKeyframe),
      coded.map((_, i) => i % 5 === 0),
    );
    assert.equal(headers.at(-1)?.packetType, 'sequence-end');
  });

  it('describes the payload without copying it', () => {
    const tag = tags[1];
    const h = headers[1];
    assert.ok(tag && h);
    assert.equal(h.payloadOffset + h.payloadLength, tag.payload.length);
  });

  it('reads Sorenson H.263 (codec id 2)', () => {
    const tag = parseFlv(readFixture('sorenson.flv')).find((t) => t.type === FlvTagType.Video);
    assert.ok(tag);
    assert.deepStrictEqual(brief(parseVideoTagHeader(tag.payload)), {
      codec: 'h263',
      frameType: 'key',
      packetType: 'coded-frames',
      compositionTimeMs: 0,
      payloadOffset: 1,
      isKeyframe: true,
      isSequenceHeader: false,
      enhanced: false,
    });
  });

  const handMade: {
    name: string;
    bytes: string;
    expected: Partial<ReturnType<typeof brief>> & { command?: unknown };
  }[] = [
    {
      name: 'a negative SI24 composition time',
      bytes: '27 01 ffffce 00000001 41',
      expected: { compositionTimeMs: -50, frameType: 'inter' },
    },
    {
      name: 'legacy HEVC (codec id 12)',
      bytes: '1c 00 000000 01',
      expected: { codec: 'hevc', packetType: 'sequence-header' },
    },
    {
      name: 'VP6 with its adjustment byte',
      bytes: '14 00 aa',
      expected: { codec: 'vp6', payloadOffset: 2, isKeyframe: true },
    },
    {
      name: 'VP6 alpha with OffsetToAlpha',
      bytes: '25 00 000001 aa bb',
      expected: { codec: 'vp6-alpha', payloadOffset: 5 },
    },
    {
      name: 'a disposable inter frame',
      bytes: '32 aa',
      expected: { codec: 'h263', frameType: 'disposable' },
    },
    {
      name: 'a generated key frame',
      bytes: '47 01 000000 00',
      expected: { frameType: 'generated-key', isKeyframe: true },
    },
    { name: 'an unknown codec id', bytes: '1e 00', expected: { codec: 'unknown', payloadOffset: 1 } },
    {
      name: 'an AVC seek-start command frame',
      bytes: '57 01 000000 00',
      expected: { frameType: 'command', command: 'seek-start', isKeyframe: false },
    },
  ];
  for (const c of handMade) {
    it(`reads ${c.name}`, () => {
      const h = parseVideoTagHeader(hex(c.bytes));
      const picked = Object.fromEntries(
        Object.keys(c.expected).map((k) => [k, (h as unknown as Record<string, unknown>)[k]]),
      );
      assert.deepStrictEqual(picked, c.expected);
    });
  }
});

describe('Enhanced RTMP video tag headers (v1/v2)', () => {
  const hvcc = mp4Box(readFixture('hevc.mp4'), 'hvcC');
  const av1c = mp4Box(readFixture('av1.mp4'), 'av1C');
  const vpcc = mp4Box(readFixture('vp9.mp4'), 'vpcC');

  it('reads an hvc1 SequenceStart whose body is x265 HVCC', () => {
    const tag = exVideoTag(KEY, SEQUENCE_START, 'hvc1', hvcc);
    const h = parseVideoTagHeader(tag);
    assert.deepStrictEqual(brief(h), {
      codec: 'hevc',
      frameType: 'key',
      packetType: 'sequence-header',
      compositionTimeMs: 0,
      payloadOffset: 5,
      isKeyframe: false,
      isSequenceHeader: true,
      enhanced: true,
    });
    assert.equal(h.fourCc, 'hvc1');
    assert.equal(parseHevcDecoderConfigurationRecord(tag.subarray(h.payloadOffset)).width, 320);
  });

  it('reads hvc1 CodedFrames with a composition time and CodedFramesX without', () => {
    const frames = parseVideoTagHeader(exVideoTag(KEY, CODED_FRAMES, 'hvc1', hex('00000002 2601'), 40));
    assert.deepStrictEqual(
      [frames.compositionTimeMs, frames.payloadOffset, frames.isKeyframe],
      [40, 8, true],
    );
    const framesX = parseVideoTagHeader(exVideoTag(INTER, CODED_FRAMES_X, 'hvc1', hex('00000002 0201')));
    assert.deepStrictEqual(
      [framesX.compositionTimeMs, framesX.payloadOffset, framesX.packetType],
      [0, 5, 'coded-frames'],
    );
  });

  it('reads avc1 (v2), av01 and vp09 sequence starts with libaom and libvpx records', () => {
    assert.equal(parseVideoTagHeader(exVideoTag(KEY, SEQUENCE_START, 'avc1', hex('01640028'))).codec, 'h264');
    const av1 = parseVideoTagHeader(exVideoTag(KEY, SEQUENCE_START, 'av01', av1c));
    assert.deepStrictEqual([av1.codec, av1.payloadLength], ['av1', av1c.length]);
    const vp9 = parseVideoTagHeader(exVideoTag(KEY, SEQUENCE_START, 'vp09', vpcc));
    assert.deepStrictEqual([vp9.codec, vp9.payloadLength], ['vp9', vpcc.length]);
    // av01 CodedFrames carry no composition time (v1: only avc1/hvc1 do).
    assert.equal(parseVideoTagHeader(exVideoTag(KEY, CODED_FRAMES, 'av01', hex('0a0b'))).payloadOffset, 5);
  });

  it('reads SequenceEnd, Metadata and MPEG2TSSequenceStart', () => {
    assert.equal(
      parseVideoTagHeader(exVideoTag(KEY, SEQUENCE_END, 'hvc1', Buffer.alloc(0))).packetType,
      'sequence-end',
    );
    assert.equal(
      parseVideoTagHeader(exVideoTag(KEY, METADATA, 'hvc1', hex('02000a'))).packetType,
      'metadata',
    );
    assert.equal(
      parseVideoTagHeader(exVideoTag(KEY, 5, 'av01', hex('80'))).packetType,
      'mpeg2ts-sequence-start',
    );
  });

  it('keeps an unknown FourCC as codec "unknown" with the FourCC', () => {
    const h = parseVideoTagHeader(exVideoTag(KEY, CODED_FRAMES, 'xyz1', hex('00')));
    assert.deepStrictEqual([h.codec, h.fourCc, h.payloadOffset], ['unknown', 'xyz1', 5]);
  });

  it('reads a command frame, which has no FourCC or body', () => {
    const h = parseVideoTagHeader(Buffer.from([0x80 | (COMMAND << 4) | CODED_FRAMES, 1]));
    assert.deepStrictEqual(
      [h.frameType, h.command, h.tracks.length, h.isKeyframe],
      ['command', 'seek-end', 0, false],
    );
  });

  it('reads a v2 ModEx TimestampOffsetNano prefix, then the real packet type', () => {
    // 0x97: key frame, ModEx; size-1 = 2 (3 bytes of nanoseconds); then type 0 << 4 | CodedFrames.
    const tag = Buffer.concat([
      hex(`9${MOD_EX} 02 0f4240 0${CODED_FRAMES}`),
      Buffer.from('hvc1'),
      hex('000000 00000001 26'),
    ]);
    const h = parseVideoTagHeader(tag);
    assert.deepStrictEqual(
      [h.timestampOffsetNanos, h.packetType, h.codec, h.payloadOffset],
      [1_000_000, 'coded-frames', 'hevc', 13],
    );
  });

  it('reads multitrack OneTrack, ManyTracks and ManyTracksManyCodecs', () => {
    const one = parseVideoTagHeader(
      Buffer.concat([
        hex(`9${MULTITRACK} ${AvMultitrackType.OneTrack}${CODED_FRAMES_X}`),
        Buffer.from('av01'),
        hex('07 aabb'),
      ]),
    );
    assert.deepStrictEqual(one.tracks, [
      { trackId: 7, codec: 'av1', fourCc: 'av01', compositionTimeMs: 0, payloadOffset: 7, payloadLength: 2 },
    ]);

    const many = parseVideoTagHeader(
      Buffer.concat([
        hex(`9${MULTITRACK} ${AvMultitrackType.ManyTracks}${CODED_FRAMES}`),
        Buffer.from('avc1'),
        hex('00 000004 00000a 01'),
        hex('01 000005 000000 0203'),
      ]),
    );
    assert.deepStrictEqual(
      many.tracks.map((t) => [t.trackId, t.codec, t.compositionTimeMs, t.payloadOffset, t.payloadLength]),
      [
        [0, 'h264', 10, 13, 1],
        [1, 'h264', 0, 21, 2],
      ],
    );

    const manyCodecs = parseVideoTagHeader(
      Buffer.concat([
        hex(`9${MULTITRACK} ${AvMultitrackType.ManyTracksManyCodecs}${SEQUENCE_START}`),
        Buffer.from('hvc1'),
        hex('00 000001 aa'),
        Buffer.from('av01'),
        hex('01 000001 bb'),
      ]),
    );
    assert.deepStrictEqual(
      manyCodecs.tracks.map((t) => [t.trackId, t.codec]),
      [
        [0, 'hevc'],
        [1, 'av1'],
      ],
    );
    assert.equal(manyCodecs.codec, 'hevc');
  });

  const bad: { name: string; bytes: Buffer; code: MediaErrorCode }[] = [
    { name: 'an empty payload', bytes: Buffer.alloc(0), code: 'truncated' },
    { name: 'a reserved frame type', bytes: hex('07 00'), code: 'invalid' },
    { name: 'a reserved AVCPacketType', bytes: hex('17 03 000000'), code: 'invalid' },
    { name: 'an AVC header without composition time', bytes: hex('17 01 00'), code: 'truncated' },
    { name: 'a FourCC cut short', bytes: hex('90 6876'), code: 'truncated' },
    {
      name: 'a reserved VideoPacketType',
      bytes: Buffer.concat([hex('98'), Buffer.from('hvc1')]),
      code: 'invalid',
    },
    {
      name: 'hvc1 CodedFrames without composition time',
      bytes: exVideoTag(KEY, CODED_FRAMES, 'hvc1', hex('00')),
      code: 'truncated',
    },
    { name: 'a ModEx whose data runs past the tag', bytes: hex('97 ff 00'), code: 'truncated' },
    {
      name: 'a multitrack track size past the tag',
      bytes: Buffer.concat([hex('96 11'), Buffer.from('av01'), hex('00 0000ff aa')]),
      code: 'truncated',
    },
    { name: 'nested multitrack', bytes: Buffer.concat([hex('96 06'), Buffer.from('av01')]), code: 'invalid' },
    {
      name: 'a reserved multitrack type',
      bytes: Buffer.concat([hex('96 31'), Buffer.from('av01')]),
      code: 'invalid',
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assertMediaError(() => parseVideoTagHeader(c.bytes), c.code);
    });
  }
});
