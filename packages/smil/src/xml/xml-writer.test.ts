import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError, SmilErrorCode } from '../errors';
import { PROPERTY_SEED, xmlText } from '../testing/arbitraries';
import { parseXml } from './xml-parser';
import { escapeAttribute, presentAttributes, writeXml, xmlElement } from './xml-writer';

describe('writeXml', () => {
  it('writes a declaration, two-space indentation and self-closing leaves', () => {
    const tree = xmlElement(
      'smil',
      [['title', 'T']],
      [xmlElement('head', []), xmlElement('body', [], [xmlElement('switch', [])])],
    );
    assert.equal(
      writeXml(tree),
      '<?xml version="1.0" encoding="UTF-8"?>\n<smil title="T">\n  <head/>\n  <body>\n    <switch/>\n  </body>\n</smil>\n',
    );
  });

  it('escapes markup characters, quotes and whitespace that a parser would normalize', () => {
    assert.equal(escapeAttribute('a&b<c>d"e\'f\tg\nh\ri'), "a&amp;b&lt;c&gt;d&quot;e'f&#9;g&#10;h&#13;i");
  });

  it('drops absent attributes and writes numbers in decimal', () => {
    assert.deepEqual(
      presentAttributes([
        ['a', 1],
        ['b', undefined],
        ['c', 'x'],
      ]),
      [
        ['a', '1'],
        ['c', 'x'],
      ],
    );
  });

  it('refuses characters XML cannot carry', () => {
    assert.throws(
      () => writeXml(xmlElement('a', [['x', 'nul\u0000']])),
      (err: unknown) => {
        return (
          err instanceof SmilError && err.code === SmilErrorCode.InvalidValue && /U\+0000/.test(err.message)
        );
      },
    );
  });

  it('refuses names that are not XML names', () => {
    assert.throws(() => writeXml(xmlElement('a b', [])), SmilError);
    assert.throws(() => writeXml(xmlElement('a', [['x"', '1']])), SmilError);
  });

  it('round-trips any attribute value through the parser (property)', () => {
    fc.assert(
      fc.property(xmlText(100), xmlText(100), (a, b) => {
        const root = parseXml(
          writeXml(
            xmlElement(
              'm',
              [
                ['a', a],
                ['b', b],
              ],
              [xmlElement('n', [['c', a]])],
            ),
          ),
        );
        assert.deepEqual(
          [...root.attributes],
          [
            ['a', a],
            ['b', b],
          ],
        );
        assert.equal(root.children[0]?.attributes.get('c'), a);
      }),
      { seed: PROPERTY_SEED, numRuns: 2000 },
    );
  });
});
