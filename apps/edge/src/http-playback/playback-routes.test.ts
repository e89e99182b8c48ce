import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeName, PlaybackHttpPaths } from '@tributary/contracts';
import fc from 'fast-check';
import { parsePlaybackPath } from './playback-routes';

describe('playback routes', () => {
  it('routes the URLs the api hands out (contracts PlaybackHttpPaths)', () => {
    assert.deepEqual(parsePlaybackPath(PlaybackHttpPaths.hlsPlaylist('pb_1-A')), {
      kind: 'hls-playlist',
      playbackId: 'pb_1-A',
    });
    assert.deepEqual(parsePlaybackPath(PlaybackHttpPaths.flv('pb_1-A')), {
      kind: 'flv',
      playbackId: 'pb_1-A',
    });
    assert.deepEqual(parsePlaybackPath(PlaybackHttpPaths.smil('pb_1-A')), {
      kind: 'smil',
      playbackId: 'pb_1-A',
    });
    for (const bad of ['/live/.smil', '/live/a.b.smil', '/live/pb/x.smil', `/live/${'a'.repeat(65)}.smil`])
      assert.equal(parsePlaybackPath(bad), undefined, bad);
  });

  it('routes segments, parts and init sections under their segmenter epoch', () => {
    for (const resource of ['seg-0.ts', 'seg-12.m4s', 'part-3.1.ts', 'part-3.0.m4s', 'init-0.mp4']) {
      assert.deepEqual(parsePlaybackPath(`/live/pb/k3x9/${resource}`), {
        kind: 'hls-resource',
        playbackId: 'pb',
        epoch: 'k3x9',
        resource,
      });
    }
  });

  it('refuses hostile and foreign names before any lookup', () => {
    const hostile = [
      '/live/../index.m3u8',
      '/live/%2e%2e%2f/index.m3u8',
      '/live/..%2f..%2ftmp.flv',
      '/live/a\\b/index.m3u8',
      '/live/a\u0000b.flv',
      '/live/a:b/index.m3u8',
      '/live/~/index.m3u8',
      `/live/${'a'.repeat(65)}/index.m3u8`,
      `/live/${'a'.repeat(65)}.flv`,
      '/live/caf\u00e9/index.m3u8',
      '/live/.flv',
      '/live/pb/k3/../../etc/passwd',
      '/live/pb/k3/seg-0.ts.bak',
      '/live/pb/K3/seg-0.ts',
      '/live/pb/k3/other.ts',
      '/live/pb/other.m3u8',
      '/live/pb',
      '/vod/pb/index.m3u8',
      '//live/pb.flv',
    ];
    for (const path of hostile) assert.equal(parsePlaybackPath(path), undefined, path);
  });

  it('routes the thumbnail URL; near misses are not routes', () => {
    assert.deepEqual(parsePlaybackPath(PlaybackHttpPaths.thumbnail('pb_1-A')), {
      kind: 'thumbnail',
      playbackId: 'pb_1-A',
    });
    for (const bad of [
      '/live/pb/thumbnail.jpeg',
      '/live/pb/Thumbnail.jpg',
      '/live/pb/thumbnail.jpg/',
      '/live/pb/k3/thumbnail.jpg',
      '/live/../thumbnail.jpg',
      '/live/a:b/thumbnail.jpg',
    ])
      assert.equal(parsePlaybackPath(bad), undefined, bad);
  });

  it('any path: a thumbnail route only for a safe name, and it round-trips (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (name) => {
        const route = parsePlaybackPath(`/live/${name}/thumbnail.jpg`);
        if (route?.kind === 'thumbnail') {
          assert.ok(isSafeName(route.playbackId));
          assert.equal(PlaybackHttpPaths.thumbnail(route.playbackId), `/live/${name}/thumbnail.jpg`);
        } else assert.ok(!isSafeName(name) || name.includes('/'), name);
      }),
    );
  });
});
