import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError, SmilErrorCode } from '../errors';
import { PROPERTY_SEED } from '../testing/arbitraries';
import {
  MAX_ATTRIBUTES,
  MAX_DEPTH,
  MAX_DOCUMENT_CHARS,
  MAX_ELEMENTS,
  MAX_NAME_LENGTH,
  parseXml,
  type XmlElement,
} from './xml-parser';

/** The parsed tree without offsets, for comparison with expected shapes. */
interface Shape {
  name: string;
  attributes?: Record<string, string>;
  text?: string;
  children?: Shape[];
}
function shape(el: XmlElement): Shape {
  const out: Shape = { name: el.name };
  if (el.attributes.size > 0) out.attributes = Object.fromEntries(el.attributes);
  if (el.text !== '') out.text = el.text;
  if (el.children.length > 0) out.children = el.children.map(shape);
  return out;
}

function assertSmilError(
  fn: () => unknown,
  code: SmilErrorCode,
  detail?: RegExp,
  line?: number,
  column?: number,
) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SmilError, `expected SmilError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (detail) assert.match(err.detail, detail);
    if (line !== undefined) assert.equal(err.position?.line, line, err.message);
    if (column !== undefined) assert.equal(err.position?.column, column, err.message);
    return true;
  });
}

describe('parseXml well-formed vectors', () => {
  const cases: Array<{ title: string; xml: string; tree: Shape }> = [
    { title: 'a self-closing root', xml: '<smil/>', tree: { name: 'smil' } },
    {
      title: 'a declaration, a byte order mark, comments and processing instructions around the root',
      xml: '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><?app x?>\n<smil><!--in--><?pi?></smil>\n<!-- end -->\n',
      tree: { name: 'smil' },
    },
    {
      title: 'attributes in both quote styles with whitespace around =',
      xml: `<video src = "a" width='640'\n height="360"/>`,
      tree: { name: 'video', attributes: { src: 'a', width: '640', height: '360' } },
    },
    {
      title: 'predefined entities and decimal and hex character references in attributes',
      xml: '<meta base="a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;"/>',
      tree: { name: 'meta', attributes: { base: 'a&b<>"\'AB\u{1F600}' } },
    },
    {
      title: 'literal tab, LF and CR LF in attribute values normalized to one space each (XML §3.3.3)',
      xml: '<m v="a\tb\nc\r\nd"/>',
      tree: { name: 'm', attributes: { v: 'a b c d' } },
    },
    {
      title: 'whitespace written as character references kept in attribute values',
      xml: '<m v="a&#9;b&#10;c&#13;"/>',
      tree: { name: 'm', attributes: { v: 'a\tb\nc\r' } },
    },
    {
      title: 'nested elements, text with references, CDATA and CR LF line ends',
      xml: '<smil><head><meta base="x"></meta></head>\r\n<body>a &lt; b<![CDATA[<raw&>]]></body></smil>',
      tree: {
        name: 'smil',
        text: '\n',
        children: [
          { name: 'head', children: [{ name: 'meta', attributes: { base: 'x' } }] },
          { name: 'body', text: 'a < b<raw&>' },
        ],
      },
    },
    {
      title: 'prefixed names and a > in text',
      xml: '<smil xmlns="http://www.w3.org/ns/SMIL"><meta xml:id="e1"/>1 > 0</smil>',
      tree: {
        name: 'smil',
        attributes: { xmlns: 'http://www.w3.org/ns/SMIL' },
        text: '1 > 0',
        children: [{ name: 'meta', attributes: { 'xml:id': 'e1' } }],
      },
    },
    {
      title: 'whitespace inside an end tag',
      xml: '<a><b></b  ></a >',
      tree: { name: 'a', children: [{ name: 'b' }] },
    },
  ];
  for (const { title, xml, tree } of cases) {
    it(`reads ${title}`, () => assert.deepEqual(shape(parseXml(xml)), tree));
  }

  it('records the offset of each element', () => {
    const root = parseXml('<a>\n  <b/></a>');
    assert.equal(root.offset, 0);
    assert.equal(root.children[0]?.offset, 6);
  });

  it(`accepts nesting exactly ${MAX_DEPTH} deep`, () => {
    const xml = '<a>'.repeat(MAX_DEPTH) + '</a>'.repeat(MAX_DEPTH);
    assert.equal(parseXml(xml).name, 'a');
  });

  it(`accepts exactly ${MAX_ATTRIBUTES} attributes`, () => {
    const attrs = Array.from({ length: MAX_ATTRIBUTES }, (_, i) => ` a${i}="${i}"`).join('');
    assert.equal(parseXml(`<m${attrs}/>`).attributes.size, MAX_ATTRIBUTES);
  });
});

describe('parseXml rejects', () => {
  const cases: Array<{
    title: string;
    xml: string;
    code: SmilErrorCode;
    detail: RegExp;
    line?: number;
    column?: number;
  }> = [
    {
      title: 'an empty document',
      xml: '',
      code: SmilErrorCode.MalformedXml,
      detail: /expected the root element/,
    },
    {
      title: 'text before the root',
      xml: 'hello <a/>',
      code: SmilErrorCode.MalformedXml,
      detail: /expected the root element/,
    },
    {
      title: 'an unclosed element',
      xml: '<a>\n <b>',
      code: SmilErrorCode.MalformedXml,
      detail: /<b> is not closed/,
      line: 2,
      column: 2,
    },
    {
      title: 'a mismatched end tag',
      xml: '<a><b></a>',
      code: SmilErrorCode.MalformedXml,
      detail: /<\/a> does not match <b>/,
      column: 7,
    },
    {
      title: 'a second root element',
      xml: '<a/><b/>',
      code: SmilErrorCode.MalformedXml,
      detail: /after the root/,
    },
    {
      title: 'text after the root',
      xml: '<a/>x',
      code: SmilErrorCode.MalformedXml,
      detail: /after the root/,
    },
    {
      title: 'a duplicate attribute',
      xml: '<a x="1" x="2"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /x appears twice/,
      column: 10,
    },
    {
      title: 'an unquoted attribute value',
      xml: '<a x=1/>',
      code: SmilErrorCode.MalformedXml,
      detail: /must be quoted/,
    },
    {
      title: 'an attribute without a value',
      xml: '<a x/>',
      code: SmilErrorCode.MalformedXml,
      detail: /expected '='/,
    },
    {
      title: 'attributes not separated by whitespace',
      xml: '<a x="1"y="2"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /whitespace before an attribute/,
    },
    {
      title: "a '<' in an attribute value",
      xml: '<a x="<"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /'<' in the value/,
    },
    {
      title: 'an unterminated attribute value',
      xml: '<a x="1/>',
      code: SmilErrorCode.MalformedXml,
      detail: /unterminated value/,
    },
    {
      title: 'an unterminated start tag',
      xml: '<a x="1"',
      code: SmilErrorCode.MalformedXml,
      detail: /unterminated tag/,
    },
    {
      title: 'a DOCTYPE (no entity declarations, no expansion bombs)',
      xml: '<!DOCTYPE smil [<!ENTITY a "aaaa">]><smil/>',
      code: SmilErrorCode.UnsupportedXml,
      detail: /DOCTYPE/,
    },
    {
      title: 'an undeclared entity',
      xml: '<a x="&nbsp;"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /unknown entity &nbsp;/,
    },
    {
      title: 'an entity named after an Object.prototype member',
      xml: '<a x="&toString;"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /unknown entity &toString;/,
    },
    {
      title: 'a bare ampersand',
      xml: '<a>fish & chips</a>',
      code: SmilErrorCode.MalformedXml,
      detail: /'&' must start a reference/,
      column: 9,
    },
    {
      title: 'a reference to NUL',
      xml: '<a x="&#0;"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /not a legal XML character/,
    },
    {
      title: 'a reference beyond U+10FFFF',
      xml: '<a x="&#x110000;"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /not a legal XML character/,
    },
    {
      title: 'a reference to a surrogate',
      xml: '<a x="&#xD800;"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /not a legal XML character/,
    },
    {
      title: 'a control character',
      xml: '<a>\n\u0001</a>',
      code: SmilErrorCode.MalformedXml,
      detail: /U\+0001/,
      line: 2,
      column: 1,
    },
    {
      title: 'a lone surrogate',
      xml: '<a x="\ud800"/>',
      code: SmilErrorCode.MalformedXml,
      detail: /U\+D800/,
    },
    {
      title: 'a non-ASCII element name',
      xml: '<vidéo/>',
      code: SmilErrorCode.UnsupportedXml,
      detail: /non-ASCII element names/,
    },
    {
      title: 'a name starting with a digit',
      xml: '<1a/>',
      code: SmilErrorCode.MalformedXml,
      detail: /expected element name/,
    },
    {
      title: "'--' inside a comment",
      xml: '<a><!-- a -- b --></a>',
      code: SmilErrorCode.MalformedXml,
      detail: /'--' is not allowed/,
    },
    {
      title: 'an unterminated comment',
      xml: '<a><!-- </a>',
      code: SmilErrorCode.MalformedXml,
      detail: /unterminated comment/,
    },
    {
      title: 'an XML declaration after the start',
      xml: ' <?xml version="1.0"?><a/>',
      code: SmilErrorCode.MalformedXml,
      detail: /only allowed at the start/,
    },
    {
      title: 'an XML declaration without a version',
      xml: '<?xml encoding="UTF-8"?><a/>',
      code: SmilErrorCode.MalformedXml,
      detail: /version="1.x"/,
    },
    {
      title: 'a non-UTF-8 encoding declaration',
      xml: '<?xml version="1.0" encoding="UTF-16"?><a/>',
      code: SmilErrorCode.UnsupportedXml,
      detail: /encoding "UTF-16"/,
    },
    { title: "']]>' in text", xml: '<a>x]]>y</a>', code: SmilErrorCode.MalformedXml, detail: /']]>'/ },
    {
      title: 'an end tag with no start tag at the top',
      xml: '</a>',
      code: SmilErrorCode.MalformedXml,
      detail: /without a start tag/,
    },
    {
      title: `nesting deeper than ${MAX_DEPTH}`,
      xml: '<a>'.repeat(MAX_DEPTH + 1) + '</a>'.repeat(MAX_DEPTH + 1),
      code: SmilErrorCode.LimitExceeded,
      detail: /nested more than 16 deep/,
    },
    {
      title: `more than ${MAX_ELEMENTS} elements`,
      xml: `<a>${'<b/>'.repeat(MAX_ELEMENTS)}</a>`,
      code: SmilErrorCode.LimitExceeded,
      detail: /more than 20000 elements/,
    },
    {
      title: `more than ${MAX_ATTRIBUTES} attributes`,
      xml: `<m${Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => ` a${i}="${i}"`).join('')}/>`,
      code: SmilErrorCode.LimitExceeded,
      detail: /more than 64 attributes/,
    },
    {
      title: 'a name that is too long',
      xml: `<${'a'.repeat(MAX_NAME_LENGTH + 1)}/>`,
      code: SmilErrorCode.LimitExceeded,
      detail: /longer than 128/,
    },
    {
      title: 'an attribute value that is too long',
      xml: `<a x="${'y'.repeat(8 * 1024 + 1)}"/>`,
      code: SmilErrorCode.LimitExceeded,
      detail: /longer than 8192/,
    },
    {
      title: 'a document over the size limit, before reading it',
      xml: `<a>${' '.repeat(MAX_DOCUMENT_CHARS)}</a>`,
      code: SmilErrorCode.LimitExceeded,
      detail: /more than the limit/,
    },
  ];
  for (const { title, xml, code, detail, line, column } of cases) {
    it(`rejects ${title}`, () => assertSmilError(() => parseXml(xml), code, detail, line, column));
  }

  it('rejects every truncation of a well-formed document', () => {
    const xml =
      '<?xml version="1.0"?><smil title="a&amp;b"><head><meta base="rtmp://e/live"/></head><!--c--><body><![CDATA[x]]></body></smil>';
    for (let end = 0; end < xml.length; end++) {
      assert.throws(() => parseXml(xml.slice(0, end)), SmilError, `prefix of length ${end}`);
    }
    assert.equal(parseXml(xml).name, 'smil');
  });

  it('throws only SmilError for arbitrary text (property)', () => {
    const markupHeavy = fc.string({
      unit: fc.oneof(
        fc.constantFrom('<', '>', '/', '=', '"', "'", '&', ';', '#', '!', '?', '-', '[', ']', ' ', 'a', 'x'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 200,
    });
    fc.assert(
      fc.property(markupHeavy, (text) => {
        try {
          parseXml(text);
        } catch (err) {
          if (!(err instanceof SmilError)) throw err;
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 5000 },
    );
  });
});
