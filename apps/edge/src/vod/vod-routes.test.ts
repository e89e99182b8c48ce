import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { parseVodPath } from './vod-routes';

test('the contract paths parse back to their route', () => {
  assert.deepEqual(parseVodPath(PlaybackHttpPaths.vodHlsPlaylist('abc_D-9')), {
    kind: 'playlist',
    playbackId: 'abc_D-9',
  });
  assert.deepEqual(parseVodPath(PlaybackHttpPaths.vodHlsSegment('abc', 0)), {
    kind: 'segment',
    playbackId: 'abc',
    segment: 0,
  });
  assert.deepEqual(parseVodPath(PlaybackHttpPaths.vodPoster('abc_D-9')), {
    kind: 'poster',
    playbackId: 'abc_D-9',
  });
  assert.deepEqual(parseVodPath('/vod/abc_D-9.smil'), { kind: 'smil', playbackId: 'abc_D-9' });
  assert.deepEqual(parseVodPath('/vod/abc/seg-1234.ts'), {
    kind: 'segment',
    playbackId: 'abc',
    segment: 1234,
  });
});

test('anything else is not a route', () => {
  for (const p of [
    '/vod/.smil',
    '/vod/a b.smil',
    '/vod/abc.smil/x',
    '/vod/abc.SMIL',
    '/vod/',
    '/vod/abc',
    '/vod/abc/',
    '/vod/abc/index.m3u8/x',
    '/vod/../index.m3u8',
    '/vod/a%20b/index.m3u8',
    '/vod/abc/seg-01.ts',
    '/vod/abc/seg--1.ts',
    '/vod/abc/seg-1.5.ts',
    '/vod/abc/seg-12345678.ts',
    '/vod/abc/seg-1.m4s',
    `/vod/${'a'.repeat(65)}/index.m3u8`,
    '/live/abc/index.m3u8',
    '/vod/abc/poster.jpeg',
    '/vod/abc/poster.jpg/x',
    '/vod/../poster.jpg',
  ]) {
    assert.equal(parseVodPath(p), undefined, p);
  }
});
