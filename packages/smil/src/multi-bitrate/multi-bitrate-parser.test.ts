import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError, SmilErrorCode } from '../errors';
import { mutated, PROPERTY_SEED } from '../testing/arbitraries';
import { readFixture } from '../testing/fixtures';
import type { MultiBitrateManifest } from './multi-bitrate-manifest';
import { parseMultiBitrateSmil } from './multi-bitrate-parser';

function rejects(xml: string, code: SmilErrorCode, detail: RegExp, line?: number) {
  assert.throws(
    () => parseMultiBitrateSmil(xml),
    (err: unknown) => {
      assert.ok(err instanceof SmilError, String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.detail, detail);
      if (line !== undefined) assert.equal(err.position?.line, line, err.message);
      return true;
    },
  );
}

const wrap = (videos: string, head = '') =>
  `<smil><head>${head}</head><body><switch>${videos}</switch></body></smil>`;

describe('parseMultiBitrateSmil', () => {
  it("reads Wowza's documented VOD layout (params as open/close pairs, tabs, empty head)", () => {
    const expected: MultiBitrateManifest = {
      title: 'Big Buck Bunny',
      renditions: [
        {
          src: 'mp4:bigbuckbunny_1500.mp4',
          height: 720,
          width: 1280,
          language: 'eng',
          videoBitrate: 1_500_000,
          audioBitrate: 128_000,
        },
        {
          src: 'mp4:bigbuckbunny_750.mp4',
          height: 360,
          width: 640,
          language: 'eng',
          videoBitrate: 750_000,
          audioBitrate: 128_000,
        },
        {
          src: 'mp4:bigbuckbunny_450.mp4',
          height: 240,
          width: 424,
          language: 'eng',
          videoBitrate: 450_000,
          audioBitrate: 96_000,
        },
      ],
    };
    assert.deepEqual(parseMultiBitrateSmil(readFixture('wowza-vod-abr.smil')), expected);
  });

  it('reads a live ladder with a base URL, codecs, and skips the caption track', () => {
    const manifest = parseMultiBitrateSmil(readFixture('live-abr.smil'));
    assert.equal(manifest.base, 'rtmp://edge1.example.com/live');
    assert.deepEqual(manifest.renditions[1], {
      src: 'launch_720p',
      systemBitrate: 2_628_000,
      width: 1280,
      height: 720,
      videoCodecId: 'avc1.64001f',
      audioCodecId: 'mp4a.40.2',
    });
    assert.deepEqual(
      manifest.renditions.map((r) => r.src),
      ['launch_1080p', 'launch_720p', 'launch_360p'],
    );
  });

  it('reads the same document from UTF-8 bytes', () => {
    const text = readFixture('live-abr.smil');
    assert.deepEqual(parseMultiBitrateSmil(new TextEncoder().encode(text)), parseMultiBitrateSmil(text));
  });

  it('accepts every spelling of a property: SMIL 1.0, SMIL 2.0, Wowza attributes and params', () => {
    const m = parseMultiBitrateSmil(
      wrap(
        '<video src="a" systemBitrate="900" video-bitrate="800" audio-bitrate="100" system-language="fr"/>' +
          '<video src="b" system-bitrate="500"><param name="systemBitrate" value="500"/><param name="role" value="main"/></video>',
        '<meta name="base" content="https://cdn.example.com/live"/>',
      ),
    );
    assert.deepEqual(m, {
      base: 'https://cdn.example.com/live',
      renditions: [
        { src: 'a', systemBitrate: 900, videoBitrate: 800, audioBitrate: 100, language: 'fr' },
        { src: 'b', systemBitrate: 500 },
      ],
    });
  });

  it('ignores attributes and params it does not know, including Object.prototype names', () => {
    const m = parseMultiBitrateSmil(
      wrap(
        '<video src="a" system-bitrate="1" constructor="x" __proto__="y"><param name="toString" value="z"/></video>',
      ),
    );
    assert.deepEqual(m.renditions, [{ src: 'a', systemBitrate: 1 }]);
  });

  const invalid: Array<{ title: string; xml: string; code: SmilErrorCode; detail: RegExp; line?: number }> = [
    {
      title: 'a document without a body',
      xml: '<smil><head/></smil>',
      code: SmilErrorCode.InvalidStructure,
      detail: /no <body>/,
    },
    {
      title: 'a body without a switch',
      xml: '<smil><body><video src="a" system-bitrate="1"/></body></smil>',
      code: SmilErrorCode.InvalidStructure,
      detail: /exactly one <switch>/,
    },
    {
      title: 'two switches',
      xml: '<smil><body><switch/><switch/></body></smil>',
      code: SmilErrorCode.InvalidStructure,
      detail: /exactly one <switch>/,
    },
    { title: 'an empty switch', xml: wrap(''), code: SmilErrorCode.InvalidValue, detail: /no renditions/ },
    {
      title: 'an unsupported element in the switch',
      xml: wrap('<img src="a"/>'),
      code: SmilErrorCode.InvalidStructure,
      detail: /<img> is not supported in <switch>/,
    },
    {
      title: 'a video without src',
      xml: wrap('<video system-bitrate="1"/>'),
      code: SmilErrorCode.InvalidStructure,
      detail: /no src/,
    },
    {
      title: 'a param without a value',
      xml: wrap('<video src="a"><param name="videoBitrate"/></video>'),
      code: SmilErrorCode.InvalidStructure,
      detail: /needs name and value/,
    },
    {
      title: 'a non-param child of video',
      xml: wrap('<video src="a"><video src="b"/></video>'),
      code: SmilErrorCode.InvalidStructure,
      detail: /only <param>/,
    },
    {
      title: 'a bitrate that is not a whole number',
      xml: wrap('<video src="a" system-bitrate="2.5M"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /system-bitrate "2.5M" is not a whole number/,
    },
    {
      title: 'a negative width',
      xml: wrap('<video src="a" system-bitrate="1" width="-1" height="1"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /width "-1"/,
    },
    {
      title: 'a zero bitrate',
      xml: wrap('<video src="a" system-bitrate="0"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /rendition 1 \(src "a"\): system-bitrate: 0 is not a bitrate/,
    },
    {
      title: 'a rendition without any bitrate',
      xml: wrap('<video src="a" width="1" height="1"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /needs a bitrate/,
    },
    {
      title: 'a width without a height',
      xml: wrap('<video src="a" system-bitrate="1" width="640"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /width and height go together/,
    },
    {
      title: 'an attribute and a param that disagree',
      xml: wrap('<video src="a" video-bitrate="1"><param name="videoBitrate" value="2"/></video>'),
      code: SmilErrorCode.InvalidValue,
      detail: /contradicts an earlier value \(1\)/,
    },
    {
      title: 'a duplicate src',
      xml: wrap('<video src="a" system-bitrate="2"/><video src="a" system-bitrate="1"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /rendition 2 .*src appears twice/,
    },
    {
      title: 'a src that climbs directories',
      xml: wrap('<video src="../etc/passwd" system-bitrate="1"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /not a stream name/,
    },
    {
      title: 'a src with a slash',
      xml: wrap('<video src="mp4:a/b.mp4" system-bitrate="1"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /not a stream name/,
    },
    {
      title: 'a codec id with a quote',
      xml: wrap(
        '<video src="a" system-bitrate="1"><param name="videoCodecId" value="avc1&quot;,x"/></video>',
      ),
      code: SmilErrorCode.InvalidValue,
      detail: /not an RFC 6381 codec id/,
    },
    {
      title: 'a file: base URL',
      xml: wrap('<video src="a" system-bitrate="1"/>', '<meta base="file:///etc"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /scheme file: is not one of/,
    },
    {
      title: 'a base URL with credentials',
      xml: wrap('<video src="a" system-bitrate="1"/>', '<meta base="rtmp://u:p@h/live"/>'),
      code: SmilErrorCode.InvalidValue,
      detail: /credentials/,
    },
    {
      title: 'two base URLs',
      xml: wrap('<video src="a" system-bitrate="1"/>', '<meta base="rtmp://a/x"/><meta base="rtmp://b/x"/>'),
      code: SmilErrorCode.InvalidStructure,
      detail: /more than one <meta base>/,
    },
    {
      title: 'more renditions than the limit',
      xml: wrap(
        Array.from({ length: 33 }, (_, i) => `<video src="r${i}" system-bitrate="${i + 1}"/>`).join(''),
      ),
      code: SmilErrorCode.InvalidValue,
      detail: /33 renditions, more than the limit of 32/,
    },
  ];
  for (const { title, xml, code, detail, line } of invalid) {
    it(`rejects ${title}`, () => rejects(xml, code, detail, line));
  }

  it('points at the offending <video> by line and column', () => {
    const xml =
      '<smil>\n<body>\n<switch>\n  <video src="ok" system-bitrate="1"/>\n  <video src="bad/name" system-bitrate="1"/>\n</switch>\n</body>\n</smil>';
    assert.throws(
      () => parseMultiBitrateSmil(xml),
      (err: unknown) => {
        assert.ok(err instanceof SmilError);
        assert.deepEqual(err.position, { offset: xml.indexOf('<video src="bad'), line: 5, column: 3 });
        assert.match(err.message, /rendition 2 \(src "bad\/name"\).*\(line 5, column 3\)$/);
        return true;
      },
    );
  });

  it('throws only SmilError for mutated manifests (property)', () => {
    const original = readFixture('live-abr.smil');
    fc.assert(
      fc.property(mutated(original), (text) => {
        try {
          parseMultiBitrateSmil(text);
        } catch (err) {
          if (!(err instanceof SmilError)) throw err;
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 3000 },
    );
  });

  it('throws only SmilError for arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          parseMultiBitrateSmil(bytes);
        } catch (err) {
          if (!(err instanceof SmilError)) throw err;
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 3000 },
    );
  });
});
