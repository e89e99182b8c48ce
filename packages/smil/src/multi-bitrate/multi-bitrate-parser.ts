import { SmilErrorCode } from '../errors';
import { SmilDocument } from '../smil/smil-document';
import { parseDecimal } from '../smil/value-rules';
import type { XmlElement } from '../xml/xml-parser';
import { findManifestProblem, type MultiBitrateManifest, type Rendition } from './multi-bitrate-manifest';

type NumericField = 'systemBitrate' | 'videoBitrate' | 'audioBitrate' | 'width' | 'height';
type TextField = 'videoCodecId' | 'audioCodecId' | 'language';
type Field = NumericField | TextField;

/**
 * Names a rendition property goes by, as a `<video>` attribute or a `<param name>`.
 * SMIL 1.0 wrote `system-bitrate`, SMIL 2.0 `systemBitrate`; Wowza reads both and
 * adds the `videoBitrate`/`audioBitrate`/`*CodecId` params. Other attributes and
 * params (Wowza's `title`, `trackid`, `role`...) are ignored.
 * A Map, not an object literal, so `constructor` or `__proto__` find nothing.
 */
const FIELD_NAMES: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['system-bitrate', 'systemBitrate'],
  ['systemBitrate', 'systemBitrate'],
  ['video-bitrate', 'videoBitrate'],
  ['videoBitrate', 'videoBitrate'],
  ['audio-bitrate', 'audioBitrate'],
  ['audioBitrate', 'audioBitrate'],
  ['width', 'width'],
  ['height', 'height'],
  ['videoCodecId', 'videoCodecId'],
  ['audioCodecId', 'audioCodecId'],
  ['systemLanguage', 'language'],
  ['system-language', 'language'],
]);
const NUMERIC_FIELDS: ReadonlySet<Field> = new Set<Field>([
  'systemBitrate',
  'videoBitrate',
  'audioBitrate',
  'width',
  'height',
]);

/**
 * Media elements a Wowza `<switch>` may hold besides renditions: `<textstream>`
 * carries captions and is not a rendition, so it is skipped.
 */
const SKIPPED_SWITCH_CHILDREN: ReadonlySet<string> = new Set(['textstream']);

/**
 * Parses a multi-bitrate SMIL manifest (`<smil><head><meta base/></head><body><switch>
 * <video .../>...</switch></body></smil>`) and validates it. Throws only `SmilError`,
 * with the source position of the offending element.
 */
export function parseMultiBitrateSmil(input: string | Uint8Array): MultiBitrateManifest {
  const doc = SmilDocument.read(input);
  const manifest: MultiBitrateManifest = { renditions: [] };
  const title = doc.title();
  if (title !== undefined) manifest.title = title;
  const base = readBase(doc);
  if (base !== undefined) manifest.base = base;

  const videos = findSwitch(doc).children.filter((child) => {
    if (child.name === 'video') return true;
    if (!SKIPPED_SWITCH_CHILDREN.has(child.name)) {
      doc.fail(
        child,
        SmilErrorCode.InvalidStructure,
        `<${child.name}> is not supported in <switch>, only <video>`,
      );
    }
    return false;
  });
  manifest.renditions = videos.map((video) => readRendition(doc, video));

  const problem = findManifestProblem(manifest);
  if (problem) {
    const at = problem.rendition === undefined ? doc.root : videos[problem.rendition]!;
    doc.fail(at, SmilErrorCode.InvalidValue, problem.detail);
  }
  return manifest;
}

function readBase(doc: SmilDocument): string | undefined {
  let base: string | undefined;
  for (const meta of doc.metas()) {
    const value = doc.metaBase(meta);
    if (value === undefined) continue;
    if (base !== undefined)
      doc.fail(meta, SmilErrorCode.InvalidStructure, 'more than one <meta base> in the manifest');
    base = value;
  }
  return base;
}

function findSwitch(doc: SmilDocument): XmlElement {
  const { body } = doc;
  if (!body) doc.fail(doc.root, SmilErrorCode.InvalidStructure, '<smil> has no <body>');
  const [first, second] = body.children;
  if (first?.name !== 'switch' || second !== undefined) {
    doc.fail(
      second ?? first ?? body,
      SmilErrorCode.InvalidStructure,
      '<body> must hold exactly one <switch>',
    );
  }
  return first;
}

function readRendition(doc: SmilDocument, video: XmlElement): Rendition {
  const src = video.attributes.get('src');
  if (src === undefined) doc.fail(video, SmilErrorCode.InvalidStructure, '<video> has no src');
  const rendition: Rendition = { src };
  const assign = (at: XmlElement, name: string, value: string) => {
    const field = FIELD_NAMES.get(name);
    if (field === undefined) return;
    const parsed = NUMERIC_FIELDS.has(field) ? parseDecimal(value) : value;
    if (parsed === undefined)
      doc.fail(at, SmilErrorCode.InvalidValue, `${name} "${value}" is not a whole number`);
    const previous = rendition[field];
    if (previous !== undefined && previous !== parsed) {
      doc.fail(at, SmilErrorCode.InvalidValue, `${name} contradicts an earlier value (${previous})`);
    }
    (rendition as Record<Field, string | number>)[field] = parsed;
  };
  for (const [name, value] of video.attributes) assign(video, name, value);
  for (const param of video.children) {
    if (param.name !== 'param') {
      doc.fail(
        param,
        SmilErrorCode.InvalidStructure,
        `<${param.name}> is not supported in <video>, only <param>`,
      );
    }
    const name = param.attributes.get('name');
    const value = param.attributes.get('value');
    if (name === undefined || value === undefined) {
      doc.fail(param, SmilErrorCode.InvalidStructure, '<param> needs name and value attributes');
    }
    assign(param, name, value);
  }
  return rendition;
}
