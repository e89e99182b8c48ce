import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { audioInfoOf, videoCodecOf, withMetadata } from './track-info';

describe('track info from FLV tag bodies', () => {
  it('reads classic video codec ids', () => {
    assert.equal(videoCodecOf(Buffer.from([0x17, 0x00])), 'h264'); // keyframe, AVC sequence header
    assert.equal(videoCodecOf(Buffer.from([0x27, 0x01])), 'h264'); // inter frame
    assert.equal(videoCodecOf(Buffer.from([0x1c])), 'hevc');
    assert.equal(videoCodecOf(Buffer.from([0x1f])), null);
    assert.equal(videoCodecOf(Buffer.alloc(0)), null);
  });

  it('reads Enhanced RTMP video FourCCs and refuses truncated ones', () => {
    assert.equal(videoCodecOf(Buffer.from([0x90, ...Buffer.from('hvc1')])), 'hevc');
    assert.equal(videoCodecOf(Buffer.from([0x90, ...Buffer.from('av01')])), 'av1');
    assert.equal(videoCodecOf(Buffer.from([0x90, ...Buffer.from('zzzz')])), null);
    assert.equal(videoCodecOf(Buffer.from([0x90, 0x61])), null);
  });

  it('reads audio format, rate and channels', () => {
    assert.deepEqual(audioInfoOf(Buffer.from([0xaf, 0x00])), {
      codec: 'aac',
      sampleRate: 44100,
      channels: 2,
    });
    assert.deepEqual(audioInfoOf(Buffer.from([0x2a])), { codec: 'mp3', sampleRate: 22050, channels: 1 });
    assert.deepEqual(audioInfoOf(Buffer.from([0x90, ...Buffer.from('Opus')])), {
      codec: 'opus',
      sampleRate: null,
      channels: null,
    });
    assert.equal(audioInfoOf(Buffer.from([0xf0])), null);
    assert.equal(audioInfoOf(Buffer.alloc(0)), null);
  });

  it('never throws on arbitrary bytes (docs/reliability.md: media-payloads)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const b = Buffer.from(bytes);
        videoCodecOf(b);
        audioInfoOf(b);
      }),
      { seed: 8, numRuns: 500 },
    );
  });

  it('folds well-typed metadata into the track info and ignores the rest', () => {
    const merged = withMetadata(
      { codec: 'h264', width: null, height: null, frameRate: null },
      { codec: 'aac', sampleRate: 44100, channels: 2 },
      { width: 1280, height: '720', framerate: 29.97, audiosamplerate: 48000, stereo: false },
    );
    assert.deepEqual(merged, {
      video: { codec: 'h264', width: 1280, height: null, frameRate: 29.97 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
    });
    assert.deepEqual(withMetadata(null, null, { width: 1 }), { video: null, audio: null });
  });
});
