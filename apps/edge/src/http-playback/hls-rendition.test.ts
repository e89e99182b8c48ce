import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFor } from './hls-rendition';

describe('HLS container choice', () => {
  it('keeps the configured container for H.264 and moves HEVC and AV1 to fMP4', () => {
    assert.equal(formatFor('mpegts', 'h264'), 'mpegts');
    assert.equal(formatFor('mpegts', undefined), 'mpegts');
    assert.equal(formatFor('mpegts', 'hevc'), 'fmp4');
    assert.equal(formatFor('mpegts', 'av1'), 'fmp4');
    assert.equal(formatFor('fmp4', 'h264'), 'fmp4');
    assert.equal(formatFor('mpegts', 'h264', 'opus'), 'fmp4');
    assert.equal(formatFor('mpegts', undefined, 'opus'), 'fmp4');
    assert.equal(formatFor('mpegts', 'h264', 'aac'), 'mpegts');
  });
});
