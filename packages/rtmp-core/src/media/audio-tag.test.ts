import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AvMultitrackType,
  FlvTagType,
  MediaError,
  type MediaErrorCode,
  parseAudioTagHeader,
  parseFlv,
} from './index';
import { exAudioTag, hex, probed, readFixture } from './testing/fixtures';

function assertMediaError(fn: () => unknown, code: MediaErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected MediaError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Enhanced RTMP v2 AudioPacketType numbers used to build tags. */
const SEQUENCE_START = 0;
const CODED_FRAMES = 1;
const SEQUENCE_END = 2;
const MULTICHANNEL_CONFIG = 4;
const MULTITRACK = 5;
const MOD_EX = 7;

describe('legacy audio tag headers (FLV E.4.2.1) from ffmpeg, checked against ffprobe', () => {
  const fixtures: { file: string; codec: string }[] = [
    { file: 'mp3.flv', codec: 'mp3' },
    { file: 'speex.flv', codec: 'speex' },
    { file: 'nellymoser.flv', codec: 'nellymoser' },
    { file: 'g711-alaw.flv', codec: 'g711-alaw' },
    { file: 'g711-mulaw.flv', codec: 'g711-mulaw' },
  ];
  for (const f of fixtures) {
    it(`reads ${f.codec} with ffprobe's sample rate and channels`, () => {
      const tag = parseFlv(readFixture(f.file)).find((t) => t.type === FlvTagType.Audio);
      assert.ok(tag);
      const h = parseAudioTagHeader(tag.payload);
      const stream = probed(f.file)[0];
      assert.deepStrictEqual(
        {
          codec: h.codec,
          rate: h.sampleRate,
          channels: h.channels,
          offset: h.payloadOffset,
          seq: h.isSequenceHeader,
        },
        {
          codec: f.codec,
          rate: Number(stream?.sample_rate),
          channels: stream?.channels,
          offset: 1,
          seq: false,
        },
      );
    });
  }

  it('reads the AAC sequence header and raw frames, leaving rate and channels to the AudioSpecificConfig', () => {
    const tags = parseFlv(readFixture('h264-aac.flv')).filter((t) => t.type === FlvTagType.Audio);
    const [seq, raw] = tags.map((t) => parseAudioTagHeader(t.payload));
    assert.deepStrictEqual(
      [seq?.codec, seq?.packetType, seq?.isSequenceHeader, seq?.payloadOffset, seq?.sampleRate],
      ['aac', 'sequence-header', true, 2, undefined],
    );
    assert.deepStrictEqual([raw?.packetType, raw?.isSequenceHeader], ['coded-frames', false]);
  });

  it('reads the SoundRate, SoundSize and SoundType bits of linear PCM', () => {
    const h = parseAudioTagHeader(hex('3f 0000'));
    assert.deepStrictEqual([h.codec, h.sampleRate, h.sampleSizeBits, h.channels], ['pcm-le', 44100, 16, 2]);
    const low = parseAudioTagHeader(hex('00 00'));
    assert.deepStrictEqual([low.sampleRate, low.sampleSizeBits, low.channels], [5512, 8, 1]);
  });

  it('rejects an empty payload, reserved formats and AACPacketTypes', () => {
    assertMediaError(() => parseAudioTagHeader(Buffer.alloc(0)), 'truncated');
    assertMediaError(() => parseAudioTagHeader(hex('c0')), 'invalid'); // SoundFormat 12
    assertMediaError(() => parseAudioTagHeader(hex('af 02')), 'invalid');
    assertMediaError(() => parseAudioTagHeader(hex('af')), 'truncated');
  });
});

describe('Enhanced RTMP v2 audio tag headers', () => {
  const opusHead = Buffer.concat([Buffer.from('OpusHead'), hex('01 02 3801 80bb0000 0000 00')]);

  it('reads an Opus SequenceStart and coded frames', () => {
    const seq = parseAudioTagHeader(exAudioTag(SEQUENCE_START, 'Opus', opusHead));
    assert.deepStrictEqual(
      [
        seq.codec,
        seq.fourCc,
        seq.packetType,
        seq.isSequenceHeader,
        seq.payloadOffset,
        seq.payloadLength,
        seq.enhanced,
      ],
      ['opus', 'Opus', 'sequence-header', true, 5, opusHead.length, true],
    );
    assert.equal(parseAudioTagHeader(exAudioTag(CODED_FRAMES, 'Opus', hex('fc'))).packetType, 'coded-frames');
  });

  it('maps every v2 audio FourCC', () => {
    const fourCcs = {
      mp4a: 'aac',
      Opus: 'opus',
      fLaC: 'flac',
      'ac-3': 'ac3',
      'ec-3': 'eac3',
      '.mp3': 'mp3',
      xxxx: 'unknown',
    };
    for (const [fourCc, codec] of Object.entries(fourCcs)) {
      assert.equal(parseAudioTagHeader(exAudioTag(CODED_FRAMES, fourCc, hex('00'))).codec, codec, fourCc);
    }
  });

  it('reads SequenceEnd and the channel count of a MultichannelConfig', () => {
    assert.equal(
      parseAudioTagHeader(exAudioTag(SEQUENCE_END, 'Opus', Buffer.alloc(0))).packetType,
      'sequence-end',
    );
    // AudioChannelOrder 1 (native), 6 channels, AudioChannelFlags.
    const mc = parseAudioTagHeader(exAudioTag(MULTICHANNEL_CONFIG, 'ac-3', hex('01 06 0000003f')));
    assert.deepStrictEqual([mc.packetType, mc.channels], ['multichannel-config', 6]);
  });

  it('reads a ModEx prefix and multitrack audio', () => {
    const modEx = parseAudioTagHeader(
      Buffer.concat([hex(`9${MOD_EX} 02 000064 0${CODED_FRAMES}`), Buffer.from('Opus'), hex('fc')]),
    );
    assert.deepStrictEqual([modEx.timestampOffsetNanos, modEx.codec, modEx.payloadOffset], [100, 'opus', 10]);
    const multi = parseAudioTagHeader(
      Buffer.concat([
        hex(`9${MULTITRACK} ${AvMultitrackType.ManyTracksManyCodecs}${CODED_FRAMES}`),
        Buffer.from('Opus'),
        hex('00 000001 fc'),
        Buffer.from('mp4a'),
        hex('01 000002 2110'),
      ]),
    );
    assert.deepStrictEqual(
      multi.tracks.map((t) => [t.trackId, t.codec, t.payloadOffset, t.payloadLength]),
      [
        [0, 'opus', 10, 1],
        [1, 'aac', 19, 2],
      ],
    );
  });

  it('rejects reserved packet types, cut FourCCs and short multichannel configs', () => {
    assertMediaError(() => parseAudioTagHeader(exAudioTag(3, 'Opus', hex('00'))), 'invalid');
    assertMediaError(() => parseAudioTagHeader(hex('90 4f70')), 'truncated');
    assertMediaError(
      () => parseAudioTagHeader(exAudioTag(MULTICHANNEL_CONFIG, 'Opus', hex('01'))),
      'truncated',
    );
    assertMediaError(
      () => parseAudioTagHeader(Buffer.concat([hex('95 05'), Buffer.from('Opus')])),
      'invalid',
    );
  });
});
