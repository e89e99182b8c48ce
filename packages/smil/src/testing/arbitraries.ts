/**
 * fast-check builders for the property tests: values that satisfy the manifest rules
 * (for generate → parse round trips) and mutations of valid documents (for "only
 * SmilError" properties). Test-only; not exported from the package.
 */
import fc from 'fast-check';
import type { EdgeEntry, EdgeList } from '../load-balancing/edge-list';
import type { MultiBitrateManifest, Rendition } from '../multi-bitrate/multi-bitrate-manifest';
import { MAX_BITRATE, MAX_DIMENSION, MAX_TITLE_LENGTH } from '../smil/value-rules';
import { NOT_XML_CHAR } from '../xml/xml-chars';

/** Any characters XML can carry, including markup characters, quotes, tabs and newlines. */
export const xmlText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('<', '>', '&', '"', "'", '\t', '\n', '\r', ' '),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength,
    })
    .filter((s) => !NOT_XML_CHAR.test(s));

export const baseUrl: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('rtmp', 'rtmps', 'http', 'https'),
    // Labels starting "xn--" are punycode, which the URL parser validates; leave them out.
    fc
      .stringMatching(/^[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,15}){0,3}$/)
      .filter((h) => !/(^|\.)xn--/.test(h)),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/),
  )
  .map(([scheme, host, port, app]) => `${scheme}://${host}${port === undefined ? '' : `:${port}`}/${app}`);

const streamSource = fc
  .stringMatching(/^(?:mp4:|flv:)?[A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}$/)
  .filter((s) => !s.includes('..'));
const bitrate = fc.integer({ min: 1, max: MAX_BITRATE });
const dimension = fc.integer({ min: 1, max: MAX_DIMENSION });
const codecId = fc.constantFrom(
  'avc1.640028',
  'avc1.42e01e',
  'hvc1.1.6.L93.B0',
  'av01.0.08M.08',
  'mp4a.40.2',
  'opus',
  'ec-3',
);

export const rendition: fc.Arbitrary<Rendition> = fc
  .record(
    {
      src: streamSource,
      systemBitrate: bitrate,
      videoBitrate: bitrate,
      audioBitrate: bitrate,
      size: fc.tuple(dimension, dimension),
      videoCodecId: codecId,
      audioCodecId: codecId,
      language: fc.stringMatching(/^[a-z]{2,3}(-[A-Z]{2})?$/),
    },
    { requiredKeys: ['src', 'systemBitrate'], noNullPrototype: true },
  )
  .map(({ size, ...rest }) => (size ? { ...rest, width: size[0], height: size[1] } : rest));

export const multiBitrateManifest: fc.Arbitrary<MultiBitrateManifest> = fc.record(
  {
    title: xmlText(MAX_TITLE_LENGTH),
    base: baseUrl,
    renditions: fc.uniqueArray(rendition, { minLength: 1, maxLength: 8, selector: (r) => r.src }),
  },
  { requiredKeys: ['renditions'], noNullPrototype: true },
);

const edgeEntry: fc.Arbitrary<EdgeEntry> = fc.record(
  { base: baseUrl, id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { requiredKeys: ['base'], noNullPrototype: true },
);

export const edgeList: fc.Arbitrary<EdgeList> = fc
  .uniqueArray(edgeEntry, { minLength: 1, maxLength: 20, selector: (e) => e.base })
  .filter((edges) => {
    const keys = edges.flatMap((e) => (e.id === undefined ? [e.base] : [e.base, e.id]));
    return new Set(keys).size === keys.length;
  })
  .map((edges) => ({ edges }));

/** A valid document with a few characters replaced, inserted or deleted at random places. */
export function mutated(document: string): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.constantFrom('replace', 'insert', 'delete'),
    fc.nat({ max: document.length - 1 }),
    fc.constantFrom(
      '<',
      '>',
      '/',
      '"',
      "'",
      '=',
      '&',
      ';',
      '#',
      '!',
      '?',
      '-',
      ' ',
      'x',
      '0',
      '\u0000',
      '\u00e9',
      '\ud800',
    ),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) =>
    edits.reduce((doc, [kind, at, char]) => {
      const i = Math.min(at, doc.length);
      if (kind === 'insert') return doc.slice(0, i) + char + doc.slice(i);
      if (kind === 'delete') return doc.slice(0, i) + doc.slice(i + 1);
      return doc.slice(0, i) + char + doc.slice(i + 1);
    }, document),
  );
}

/** Fixed seed so every run checks the same cases and a failure reproduces. */
export const PROPERTY_SEED = 20_240_601;
