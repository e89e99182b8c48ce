import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmfEcmaArray, decodeAmf0, encodeAmf0 } from '../amf';
import {
  type FlvTag,
  FlvTagType,
  parseAudioTagHeader,
  parseFlv,
  parseVideoTagHeader,
  summarizeCodecs,
} from './index';
import { exAudioTag, exVideoTag, hex, mp4Box, readFixture } from './testing/fixtures';

/** What the edge keeps from a publish: the sequence headers and the onMetaData properties. */
function sessionOf(file: string) {
  const tags = parseFlv(readFixture(file));
  const isSeq = (t: FlvTag) =>
    t.type === FlvTagType.Video
      ? parseVideoTagHeader(t.payload).isSequenceHeader
      : parseAudioTagHeader(t.payload).isSequenceHeader;
  const video = tags.find((t) => t.type === FlvTagType.Video && isSeq(t));
  const audio =
    tags.find((t) => t.type === FlvTagType.Audio && isSeq(t)) ??
    tags.find((t) => t.type === FlvTagType.Audio);
  const script = tags.find((t) => t.type === FlvTagType.ScriptData);
  assert.ok(script);
  const [name, meta] = decodeAmf0(script.payload);
  assert.equal(name, 'onMetaData');
  assert.ok(meta instanceof AmfEcmaArray);
  return { video: video?.payload, audio: audio?.payload, script: script.payload, metadata: meta.properties };
}

describe('codec summary for session reports', () => {
  it('summarises an ffmpeg H.264/AAC publish from its sequence headers', () => {
    const s = sessionOf('h264-aac.flv');
    assert.deepStrictEqual(
      summarizeCodecs({ videoSequenceHeader: s.video, audioSequenceHeader: s.audio, metadata: s.metadata }),
      {
        video: { codec: 'h264', width: 200, height: 100, frameRate: 25 },
        audio: { codec: 'aac', sampleRate: 44100, channels: 2 },
      },
    );
  });

  it('summarises codecs without sequence headers from their first tag and the metadata', () => {
    const speex = sessionOf('speex.flv');
    assert.deepStrictEqual(summarizeCodecs({ audioSequenceHeader: speex.audio, metadata: speex.metadata }), {
      video: null,
      audio: { codec: 'speex', sampleRate: 16000, channels: 1 },
    });
    const sorenson = sessionOf('sorenson.flv');
    assert.deepStrictEqual(summarizeCodecs({ metadata: sorenson.metadata }), {
      video: { codec: 'h263', width: 128, height: 96, frameRate: 10 },
      audio: null,
    });
  });

  it('reads HEVC size from an Enhanced RTMP sequence start and Opus from its OpusHead', () => {
    const hvcc = mp4Box(readFixture('hevc.mp4'), 'hvcC');
    const opusHead = Buffer.concat([Buffer.from('OpusHead'), hex('01 02 3801 44ac0000 0000 00')]);
    assert.deepStrictEqual(
      summarizeCodecs({
        videoSequenceHeader: exVideoTag(1, 0, 'hvc1', hvcc),
        audioSequenceHeader: exAudioTag(0, 'Opus', opusHead),
      }),
      {
        video: { codec: 'hevc', width: 320, height: 180, frameRate: null },
        audio: { codec: 'opus', sampleRate: 48000, channels: 2 },
      },
    );
  });

  it('reads AV1 size from an Enhanced RTMP av01 sequence start', () => {
    const av1c = mp4Box(readFixture('av1.mp4'), 'av1C');
    assert.deepStrictEqual(summarizeCodecs({ videoSequenceHeader: exVideoTag(1, 0, 'av01', av1c) }).video, {
      codec: 'av1',
      width: 160,
      height: 90,
      frameRate: null,
    });
  });

  it('takes Enhanced RTMP FourCC codec ids from the metadata', () => {
    const av01 = Buffer.from('av01').readUInt32BE(0);
    assert.deepStrictEqual(
      summarizeCodecs({ metadata: { videocodecid: av01, width: 640, height: 360, framerate: 30 } }).video,
      {
        codec: 'av1',
        width: 640,
        height: 360,
        frameRate: 30,
      },
    );
  });

  it('falls back to the metadata when the sequence header is truncated (docs/reliability.md: media-payloads)', () => {
    const s = sessionOf('h264-aac.flv');
    const truncated = s.video?.subarray(0, 12);
    assert.deepStrictEqual(summarizeCodecs({ videoSequenceHeader: truncated, metadata: s.metadata }).video, {
      codec: 'h264',
      width: 200,
      height: 100,
      frameRate: 25,
    });
  });

  it('reports nothing when nothing is known', () => {
    assert.deepStrictEqual(summarizeCodecs({}), { video: null, audio: null });
    assert.deepStrictEqual(
      summarizeCodecs({ videoSequenceHeader: Buffer.alloc(0), metadata: { width: 'wide' } }),
      {
        video: null,
        audio: null,
      },
    );
  });

  it("re-encodes ffmpeg's onMetaData byte for byte (an AMF0 golden vector from a real encoder)", () => {
    for (const file of ['h264-aac.flv', 'mp3.flv']) {
      const { script } = sessionOf(file);
      assert.ok(encodeAmf0(decodeAmf0(script)).equals(script), file);
    }
  });
});
