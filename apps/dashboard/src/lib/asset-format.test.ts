import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDuration, formatTracks } from './asset-format';

test('durations read as m:ss, h:mm:ss past an hour, — when unknown', () => {
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(8000), '0:08');
  assert.equal(formatDuration(61_400), '1:01');
  assert.equal(formatDuration(3_723_000), '1:02:03');
  assert.equal(formatDuration(Number.NaN), '—');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100 * 3600 * 1000 }), (ms) => {
      const parts = formatDuration(ms).split(':').map(Number);
      const seconds = parts.reduce((acc, p) => acc * 60 + p, 0);
      assert.equal(seconds, Math.round(ms / 1000));
    }),
  );
});

test('tracks name codec, size, rate and channels', () => {
  assert.equal(
    formatTracks({
      tracks: {
        video: { codec: 'h264', width: 640, height: 360, frameRate: 25 },
        audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
      },
    }),
    'h264 640×360 25 fps · aac 48 kHz mono',
  );
  assert.equal(formatTracks({ tracks: { video: null, audio: null } }), '—');
});
