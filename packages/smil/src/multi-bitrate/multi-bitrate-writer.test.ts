import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError, SmilErrorCode } from '../errors';
import { multiBitrateManifest, PROPERTY_SEED } from '../testing/arbitraries';
import type { MultiBitrateManifest } from './multi-bitrate-manifest';
import { parseMultiBitrateSmil } from './multi-bitrate-parser';
import { generateMultiBitrateSmil } from './multi-bitrate-writer';

const ladder: MultiBitrateManifest = {
  title: 'Q&A "live"',
  base: 'rtmp://edge1.example.com/live',
  renditions: [
    {
      src: 'name_720p',
      systemBitrate: 2_500_000,
      width: 1280,
      height: 720,
      videoCodecId: 'avc1.64001f',
      audioCodecId: 'mp4a.40.2',
    },
    { src: 'name_360p', videoBitrate: 800_000, audioBitrate: 96_000, language: 'eng' },
  ],
};

const ladderXml = `<?xml version="1.0" encoding="UTF-8"?>
<smil title="Q&amp;A &quot;live&quot;">
  <head>
    <meta base="rtmp://edge1.example.com/live"/>
  </head>
  <body>
    <switch>
      <video src="name_720p" system-bitrate="2500000" width="1280" height="720">
        <param name="videoCodecId" value="avc1.64001f" valuetype="data"/>
        <param name="audioCodecId" value="mp4a.40.2" valuetype="data"/>
      </video>
      <video src="name_360p" systemLanguage="eng">
        <param name="videoBitrate" value="800000" valuetype="data"/>
        <param name="audioBitrate" value="96000" valuetype="data"/>
      </video>
    </switch>
  </body>
</smil>
`;

describe('generateMultiBitrateSmil', () => {
  it("writes Wowza's layout: totals and size as attributes, tracks and codecs as params", () => {
    assert.equal(generateMultiBitrateSmil(ladder), ladderXml);
  });

  it('reads its own output back to the same manifest', () => {
    assert.deepEqual(parseMultiBitrateSmil(ladderXml), ladder);
  });

  it('writes an empty head when there is no base', () => {
    const xml = generateMultiBitrateSmil({ renditions: [{ src: 'a', systemBitrate: 1 }] });
    assert.match(xml, /<smil>\n {2}<head\/>\n/);
  });

  it('refuses an invalid manifest with the rule it breaks', () => {
    const bad: MultiBitrateManifest = {
      renditions: [
        { src: 'a', systemBitrate: 1 },
        { src: 'b', systemBitrate: 1.5 },
      ],
    };
    assert.throws(
      () => generateMultiBitrateSmil(bad),
      (err: unknown) => {
        assert.ok(err instanceof SmilError);
        assert.equal(err.code, SmilErrorCode.InvalidValue);
        assert.equal(err.position, undefined);
        assert.match(err.message, /rendition 2 \(src "b"\): system-bitrate: 1.5 is not a bitrate/);
        return true;
      },
    );
    assert.throws(
      () => generateMultiBitrateSmil({ title: 'bell\u0007', renditions: [{ src: 'a', systemBitrate: 1 }] }),
      /title contains a character/,
    );
    assert.throws(
      () =>
        generateMultiBitrateSmil({
          base: 'javascript:alert(1)',
          renditions: [{ src: 'a', systemBitrate: 1 }],
        }),
      /base: /,
    );
  });

  it('round-trips generated manifests: parse(generate(m)) equals m (property)', () => {
    fc.assert(
      fc.property(multiBitrateManifest, (manifest) => {
        assert.deepEqual(parseMultiBitrateSmil(generateMultiBitrateSmil(manifest)), manifest);
      }),
      { seed: PROPERTY_SEED, numRuns: 1000 },
    );
  });
});
