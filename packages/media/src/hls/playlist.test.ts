import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePlaylist } from '../testing/playlists';
import { type PlaylistSegment, renderMediaPlaylist, tokenDecorator } from './playlist';

function segment(msn: number, overrides: Partial<PlaylistSegment> = {}): PlaylistSegment {
  return {
    msn,
    uri: `seg-${msn}.ts`,
    durationMs: 2000,
    discontinuity: false,
    mapUri: undefined,
    parts: [],
    ...overrides,
  };
}

describe('renderMediaPlaylist', () => {
  it('writes a live MPEG-TS playlist', () => {
    const text = renderMediaPlaylist({
      targetDurationS: 2,
      mediaSequence: 4,
      discontinuitySequence: 0,
      segments: [segment(4), segment(5, { durationMs: 1960 })],
      ended: false,
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:4',
        '#EXTINF:2.000,',
        'seg-4.ts',
        '#EXTINF:1.960,',
        'seg-5.ts',
        '',
      ].join('\n'),
    );
    assert.deepEqual(parsePlaylist(text).warnings, []);
  });

  it('marks a restart with EXT-X-DISCONTINUITY and counts removed ones, and ends with ENDLIST', () => {
    const text = renderMediaPlaylist({
      targetDurationS: 2,
      mediaSequence: 10,
      discontinuitySequence: 1,
      segments: [segment(10), segment(11, { discontinuity: true })],
      ended: true,
    });
    assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
    assert.match(text, /seg-10\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000,\nseg-11\.ts\n#EXT-X-ENDLIST\n$/);
    const { manifest, warnings } = parsePlaylist(text);
    assert.deepEqual(warnings, []);
    assert.equal(manifest.endList, true);
    assert.equal(manifest.segments[1]!.discontinuity, true);
  });

  it('writes EXT-X-MAP for fMP4, again where the init segment changes, at version 6', () => {
    const text = renderMediaPlaylist({
      targetDurationS: 2,
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: [
        segment(0, { uri: 'seg-0.m4s', mapUri: 'init-0.mp4' }),
        segment(1, { uri: 'seg-1.m4s', mapUri: 'init-0.mp4' }),
        segment(2, { uri: 'seg-2.m4s', mapUri: 'init-1.mp4', discontinuity: true }),
      ],
      ended: false,
    });
    assert.match(text, /#EXT-X-VERSION:6\n/);
    assert.equal(text.match(/#EXT-X-MAP/g)?.length, 2);
    assert.match(text, /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-1.mp4"\n#EXTINF/);
  });

  it('writes the LL-HLS tags: server control, part info, parts, preload hint', () => {
    const parts = [
      { uri: 'part-7.0.ts', durationMs: 480, independent: true },
      { uri: 'part-7.1.ts', durationMs: 480, independent: false },
    ];
    const text = renderMediaPlaylist({
      targetDurationS: 2,
      mediaSequence: 6,
      discontinuitySequence: 0,
      segments: [
        segment(6, { parts: [{ uri: 'part-6.0.ts', durationMs: 2000, independent: true }] }),
        segment(7, { uri: undefined, durationMs: 960, parts }),
      ],
      lowLatency: { partTargetMs: 500, preloadHintUri: 'part-7.2.ts' },
      ended: false,
    });
    assert.match(
      text,
      /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.500\n#EXT-X-PART-INF:PART-TARGET=0\.500\n/,
    );
    assert.match(
      text,
      /seg-6\.ts\n#EXT-X-PART:DURATION=0\.480,URI="part-7\.0\.ts",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0\.480,URI="part-7\.1\.ts"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-7\.2\.ts"\n$/,
    );
    const { manifest, warnings } = parsePlaylist(text);
    assert.deepEqual(warnings, []);
    assert.equal(manifest.partTargetDuration, 0.5);
    assert.equal(manifest.serverControl?.canBlockReload, true);
    assert.equal(manifest.preloadSegment?.parts?.length, 2);
  });

  it('lists parts only for segments within three target durations of the end', () => {
    const withPart = (msn: number) =>
      segment(msn, { parts: [{ uri: `part-${msn}.0.ts`, durationMs: 2000, independent: true }] });
    const text = renderMediaPlaylist({
      targetDurationS: 2,
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: [0, 1, 2, 3, 4].map(withPart),
      lowLatency: { partTargetMs: 2000, preloadHintUri: undefined },
      ended: false,
    });
    assert.ok(!text.includes('part-1.0.ts'));
    assert.ok(text.includes('part-2.0.ts') && text.includes('part-4.0.ts'));
  });

  it('carries a viewer token into every URI', () => {
    const text = renderMediaPlaylist(
      {
        targetDurationS: 2,
        mediaSequence: 0,
        discontinuitySequence: 0,
        segments: [
          segment(0, {
            uri: 'seg-0.m4s',
            mapUri: 'init-0.mp4',
            parts: [{ uri: 'part-0.0.m4s', durationMs: 500, independent: true }],
          }),
        ],
        lowLatency: { partTargetMs: 500, preloadHintUri: 'part-1.0.m4s' },
        ended: false,
      },
      tokenDecorator('a b&c'),
    );
    const uris = [...text.matchAll(/URI="([^"]+)"|^(seg-[^\n]+)$/gm)].map((m) => m[1] ?? m[2]);
    assert.deepEqual(uris, [
      'init-0.mp4?token=a%20b%26c',
      'part-0.0.m4s?token=a%20b%26c',
      'seg-0.m4s?token=a%20b%26c',
      'part-1.0.m4s?token=a%20b%26c',
    ]);
    assert.equal(tokenDecorator('t')('x.ts?a=1'), 'x.ts?a=1&token=t');
  });
});
