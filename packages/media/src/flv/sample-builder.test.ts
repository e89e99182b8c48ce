import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { avcc, H264_PPS, H264_SPS, h264Config, slice } from '../testing/samples';
import { SampleBuilder } from './sample-builder';

/** Legacy FLV VIDEODATA for AVC (E.4.3.1): FrameType|CodecID 7, AVCPacketType, SI24 CompositionTime. */
function avcTag(keyframe: boolean, packetType: 0 | 1, compositionMs: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = ((keyframe ? 1 : 2) << 4) | 7;
  header[1] = packetType;
  header.writeIntBE(compositionMs, 2, 3);
  return Buffer.concat([header, body]);
}

/** Legacy AUDIODATA for AAC (E.4.2.1): SoundFormat 10, 44 kHz, 16-bit, stereo, AACPacketType. */
function aacTag(packetType: 0 | 1, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xaf, packetType]), body]);
}

describe('SampleBuilder', () => {
  it('turns an AVC sequence header into the config of the frames that follow', () => {
    const builder = new SampleBuilder();
    const record = h264Config().record;
    assert.equal(builder.push('video', 0, avcTag(true, 0, 0, record)), undefined);
    const frame = avcc(slice(true, 40));
    const sample = builder.push('video', 1000, avcTag(true, 1, 80, frame));
    assert.ok(sample?.kind === 'video');
    assert.deepEqual(sample.data, frame);
    assert.equal(sample.dts, 1000);
    assert.equal(sample.pts, 1080);
    assert.equal(sample.keyframe, true);
    assert.deepEqual(sample.config.parameterSets, [H264_SPS, H264_PPS]);
    assert.deepEqual([sample.config.width, sample.config.height, sample.config.nalLengthSize], [320, 240, 4]);
    assert.deepEqual(sample.config.record, record);
    const next = builder.push('video', 1040, avcTag(false, 1, 0, avcc(slice(false, 10))));
    assert.equal(next?.config, sample.config, 'one config object until the next sequence header');
  });

  it('reads AAC sample rate and channels from the AudioSpecificConfig', () => {
    const builder = new SampleBuilder();
    assert.equal(builder.push('audio', 0, aacTag(0, Buffer.from([0x11, 0x90]))), undefined); // LC, 48 kHz, stereo
    const sample = builder.push('audio', 21, aacTag(1, Buffer.from([1, 2, 3])));
    assert.ok(sample?.kind === 'audio');
    assert.deepEqual(
      [sample.config.codec, sample.config.sampleRate, sample.config.channels],
      ['aac', 48_000, 2],
    );
    assert.deepEqual(sample.config.audioSpecificConfig, Buffer.from([0x11, 0x90]));
    assert.deepEqual(sample.data, Buffer.from([1, 2, 3]));
  });

  it('takes MP3 rate and channels from the frame header, not the FLV header', () => {
    const builder = new SampleBuilder();
    // FLV SoundFormat 2, "44 kHz" stereo; MPEG-1 layer III frame header at 48 kHz, mono.
    const sample = builder.push('audio', 0, Buffer.from([0x2f, 0xff, 0xfb, 0x94, 0xc4, 0, 0]));
    assert.ok(sample?.kind === 'audio');
    assert.deepEqual(
      [sample.config.codec, sample.config.sampleRate, sample.config.channels],
      ['mp3', 48_000, 1],
    );
  });

  it('ignores and counts what it cannot use (malformed media never throws)', () => {
    const builder = new SampleBuilder();
    const frame = avcTag(true, 1, 0, avcc(slice(true, 10)));
    assert.equal(builder.push('video', 0, frame), undefined, 'a frame before any sequence header');
    assert.equal(
      builder.push('video', 0, avcTag(true, 0, 0, h264Config().record.subarray(0, 9))),
      undefined,
      'truncated avcC',
    );
    assert.equal(builder.push('video', 0, Buffer.from([0x14, 0x00])), undefined, 'VP6');
    assert.equal(
      builder.push('video', 0, Buffer.concat([Buffer.from([0x91]), Buffer.from('xyzw')])),
      undefined,
      'unknown FourCC',
    );
    assert.equal(builder.push('audio', 0, Buffer.from([0xb2])), undefined, 'Speex');
    assert.equal(builder.push('audio', 0, Buffer.alloc(0)), undefined, 'empty');
    assert.equal(builder.stats.ignored, 6);
    assert.ok(builder.stats.lastIgnoredReason);
  });

  it('never throws on arbitrary payloads', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('audio' as const, 'video' as const),
        fc.uint8Array({ maxLength: 64 }),
        (kind, bytes) => {
          const builder = new SampleBuilder();
          builder.push('video', 0, avcTag(true, 0, 0, h264Config().record));
          builder.push('audio', 0, aacTag(0, Buffer.from([0x12, 0x10])));
          builder.push(kind, 0, Buffer.from(bytes));
        },
      ),
      { seed: 3, numRuns: 2000 },
    );
  });
});
