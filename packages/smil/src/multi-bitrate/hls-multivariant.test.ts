import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Parser } from 'm3u8-parser';
import { SmilError } from '../errors';
import { multiBitrateManifest, PROPERTY_SEED } from '../testing/arbitraries';
import { readFixture } from '../testing/fixtures';
import { renderHlsMultivariant } from './hls-multivariant';
import { renditionBandwidth } from './multi-bitrate-manifest';
import { parseMultiBitrateSmil } from './multi-bitrate-parser';

const uriFor = (r: { src: string }) => `${r.src}/index.m3u8`;

describe('renderHlsMultivariant', () => {
  it('renders the live ladder in SMIL order with BANDWIDTH, CODECS and RESOLUTION', () => {
    const playlist = renderHlsMultivariant(parseMultiBitrateSmil(readFixture('live-abr.smil')), { uriFor });
    assert.equal(
      playlist,
      [
        '#EXTM3U',
        '#EXT-X-STREAM-INF:BANDWIDTH=5128000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080',
        'launch_1080p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=2628000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720',
        'launch_720p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=928000,CODECS="avc1.42e01e,mp4a.40.2",RESOLUTION=640x360',
        'launch_360p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it("sums video and audio bitrates and omits what Wowza's VOD layout does not say", () => {
    const playlist = renderHlsMultivariant(parseMultiBitrateSmil(readFixture('wowza-vod-abr.smil')), {
      uriFor: (r) => `https://cdn.example.com/vod/${r.src.replace(/^mp4:/, '')}/playlist.m3u8`,
    });
    assert.equal(playlist.split('\n')[1], '#EXT-X-STREAM-INF:BANDWIDTH=1628000,RESOLUTION=1280x720');
    assert.equal(playlist.split('\n')[2], 'https://cdn.example.com/vod/bigbuckbunny_1500.mp4/playlist.m3u8');
  });

  it('refuses a URI that would break the playlist', () => {
    const manifest = { renditions: [{ src: 'a', systemBitrate: 1 }] };
    for (const bad of ['', '#EXT-X-ENDLIST', 'a\n#EXT-X-STREAM-INF:BANDWIDTH=1', 'a\rb']) {
      assert.throws(() => renderHlsMultivariant(manifest, { uriFor: () => bad }), SmilError);
    }
  });

  it('refuses an invalid manifest', () => {
    assert.throws(() => renderHlsMultivariant({ renditions: [] }, { uriFor }), /no renditions/);
  });

  it('renders playlists that m3u8-parser (video.js) reads back to the same variants (property)', () => {
    fc.assert(
      fc.property(multiBitrateManifest, (manifest) => {
        const parser = new Parser();
        parser.push(renderHlsMultivariant(manifest, { uriFor }));
        parser.end();
        const variants = parser.manifest.playlists ?? [];
        assert.equal(variants.length, manifest.renditions.length);
        for (const [i, r] of manifest.renditions.entries()) {
          const v = variants[i]!;
          assert.equal(v.uri, uriFor(r));
          assert.equal(v.attributes.BANDWIDTH, renditionBandwidth(r));
          const codecs = [r.videoCodecId, r.audioCodecId].filter((c) => c !== undefined).join(',');
          assert.equal(v.attributes.CODECS, codecs === '' ? undefined : codecs);
          const size = r.width === undefined ? undefined : { width: r.width, height: r.height };
          assert.deepEqual(v.attributes.RESOLUTION, size);
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 500 },
    );
  });
});
