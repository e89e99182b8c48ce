import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError, SmilErrorCode } from '../errors';
import { edgeList, mutated, PROPERTY_SEED } from '../testing/arbitraries';
import { readFixture } from '../testing/fixtures';
import { parseXml } from '../xml/xml-parser';
import {
  type EdgeList,
  generateEdgeListSmil,
  parseEdgeListSmil,
  parseEdgeRedirectSmil,
  renderEdgeRedirectSmil,
} from './edge-list';

function rejects(xml: string, code: SmilErrorCode, detail: RegExp) {
  assert.throws(
    () => parseEdgeListSmil(xml),
    (err: unknown) => {
      assert.ok(err instanceof SmilError, String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.detail, detail);
      return true;
    },
  );
}

const head = (metas: string) => `<smil><head>${metas}</head><body/></smil>`;

describe('parseEdgeListSmil', () => {
  it('reads every base form and id form, skipping metas that are not edges', () => {
    const expected: EdgeList = {
      edges: [
        { base: 'rtmp://edge-eu-1.example.com/live', id: 'edge-eu-1' },
        { base: 'rtmp://edge-eu-2.example.com/live', id: 'edge-eu-2' },
        { base: 'rtmps://edge-us-1.example.com:443/live' },
      ],
    };
    assert.deepEqual(parseEdgeListSmil(readFixture('edges.smil')), expected);
  });

  const invalid: Array<[title: string, xml: string, code: SmilErrorCode, detail: RegExp]> = [
    [
      'a list without edges',
      head('<meta name="title" content="x"/>'),
      SmilErrorCode.InvalidValue,
      /no <meta base> entries/,
    ],
    ['a list without a head', '<smil><body/></smil>', SmilErrorCode.InvalidValue, /no <meta base> entries/],
    [
      'a duplicate base',
      head('<meta base="rtmp://a/live"/><meta base="rtmp://a/live"/>'),
      SmilErrorCode.InvalidValue,
      /edge 2 .* names another edge/,
    ],
    [
      'a duplicate id',
      head('<meta base="rtmp://a/live" id="e"/><meta base="rtmp://b/live" id="e"/>'),
      SmilErrorCode.InvalidValue,
      /"e" names another edge/,
    ],
    [
      'an id with a slash',
      head('<meta base="rtmp://a/live" id="a/b"/>'),
      SmilErrorCode.InvalidValue,
      /not an edge id/,
    ],
    [
      'id and xml:id that differ',
      head('<meta base="rtmp://a/live" id="x" xml:id="y"/>'),
      SmilErrorCode.InvalidValue,
      /different id and xml:id/,
    ],
    ['a relative base', head('<meta base="/live"/>'), SmilErrorCode.InvalidValue, /not an absolute URL/],
    [
      'a base with spaces',
      head('<meta base="rtmp://a/live now"/>'),
      SmilErrorCode.InvalidValue,
      /whitespace/,
    ],
    [
      'more edges than the limit',
      head(Array.from({ length: 1001 }, (_, i) => `<meta base="rtmp://e${i}/live"/>`).join('')),
      SmilErrorCode.InvalidValue,
      /1001 edges, more than the limit of 1000/,
    ],
  ];
  for (const [title, xml, code, detail] of invalid) {
    it(`rejects ${title}`, () => rejects(xml, code, detail));
  }

  it('round-trips generated lists: parse(generate(l)) equals l (property)', () => {
    fc.assert(
      fc.property(edgeList, (list) => assert.deepEqual(parseEdgeListSmil(generateEdgeListSmil(list)), list)),
      { seed: PROPERTY_SEED, numRuns: 500 },
    );
  });

  it('throws only SmilError for mutated lists (property)', () => {
    fc.assert(
      fc.property(mutated(readFixture('edges.smil')), (text) => {
        try {
          parseEdgeListSmil(text);
        } catch (err) {
          if (!(err instanceof SmilError)) throw err;
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 2000 },
    );
  });
});

describe('generateEdgeListSmil', () => {
  it('writes one meta per edge', () => {
    assert.equal(
      generateEdgeListSmil({
        edges: [{ base: 'rtmp://a.example.com/live', id: 'a' }, { base: 'rtmp://b.example.com/live' }],
      }),
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<smil>',
        '  <head>',
        '    <meta base="rtmp://a.example.com/live" id="a"/>',
        '    <meta base="rtmp://b.example.com/live"/>',
        '  </head>',
        '  <body/>',
        '</smil>',
        '',
      ].join('\n'),
    );
  });

  it('refuses an empty or invalid list', () => {
    assert.throws(() => generateEdgeListSmil({ edges: [] }), SmilError);
    assert.throws(
      () => generateEdgeListSmil({ edges: [{ base: 'ftp://a/live' }] }),
      /edge 1 \(ftp:\/\/a\/live\): base: URL scheme ftp:/,
    );
  });
});

describe('renderEdgeRedirectSmil', () => {
  it('points a player at the edge and the stream', () => {
    const xml = renderEdgeRedirectSmil({ base: 'rtmp://edge-eu-1.example.com/live' }, 'abc123');
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<smil>\n  <head>\n    <meta base="rtmp://edge-eu-1.example.com/live"/>\n  </head>\n  <body>\n    <video src="abc123"/>\n  </body>\n</smil>\n',
    );
    const root = parseXml(xml);
    assert.equal(root.children[1]?.children[0]?.attributes.get('src'), 'abc123');
  });

  it('refuses a stream name that is a path', () => {
    assert.throws(() => renderEdgeRedirectSmil({ base: 'rtmp://e/live' }, '../x'), /stream: /);
  });

  it('carries a playback token on the src, and reads back what it wrote', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhYmMifQ.c2ln-_';
    const xml = renderEdgeRedirectSmil(
      { base: 'rtmp://edge-2.example.com:1936/live' },
      'abc123',
      `token=${token}`,
    );
    assert.match(xml, new RegExp(`<video src="abc123\\?token=${token.replace(/[.]/g, '\\.')}"/>`));
    assert.deepEqual(parseEdgeRedirectSmil(xml), {
      edge: { base: 'rtmp://edge-2.example.com:1936/live' },
      streamName: 'abc123',
      query: `token=${token}`,
    });
    assert.deepEqual(parseEdgeRedirectSmil(renderEdgeRedirectSmil({ base: 'rtmp://e/live' }, 'x')), {
      edge: { base: 'rtmp://e/live' },
      streamName: 'x',
    });
  });

  it('refuses a query that is not URL-encoded pairs, writing and reading', () => {
    for (const query of ['token=a b', 'token="x"', '&token=x', 'token=<x>', `t=${'a'.repeat(2048)}`]) {
      assert.throws(() => renderEdgeRedirectSmil({ base: 'rtmp://e/live' }, 'abc', query), /query: /, query);
    }
    assert.throws(
      () =>
        parseEdgeRedirectSmil(
          '<smil><head><meta base="rtmp://e/live"/></head><body><video src="a?b c"/></body></smil>',
        ),
      (err: unknown) => err instanceof SmilError && /query: /.test(err.detail),
    );
    assert.throws(
      () => parseEdgeRedirectSmil('<smil><head><meta base="rtmp://e/live"/></head><body/></smil>'),
      (err: unknown) => err instanceof SmilError && /no <video src>/.test(err.detail),
    );
  });

  it('round-trips any valid name and query (property)', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9._~%+-]{1,40}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_-]{0,40}$/),
        fc.option(fc.array(fc.tuple(part, part), { minLength: 1, maxLength: 4 }), { nil: undefined }),
        (name, pairs) => {
          const query = pairs?.map(([k, v]) => `${k}=${v}`).join('&');
          const back = parseEdgeRedirectSmil(
            renderEdgeRedirectSmil({ base: 'rtmp://e.example/live' }, name, query),
          );
          assert.equal(back.streamName, name);
          assert.equal(back.query, query);
        },
      ),
    );
  });
});
