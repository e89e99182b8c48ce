import {
  xmlElement as element,
  presentAttributes as present,
  type WritableElement,
  writeXml,
} from '../xml/xml-writer';
import { assertValidManifest, type MultiBitrateManifest, type Rendition } from './multi-bitrate-manifest';

/**
 * Writes a manifest in the form Wowza documents: totals and size as `<video>`
 * attributes (`system-bitrate`, `width`, `height`, `systemLanguage`), per-track
 * figures and codecs as `<param ... valuetype="data"/>`. Validates first and throws
 * `SmilError` on the first broken rule; `parseMultiBitrateSmil` reads the output
 * back to an equal manifest.
 */
export function generateMultiBitrateSmil(manifest: MultiBitrateManifest): string {
  assertValidManifest(manifest);
  const head = element(
    'head',
    [],
    manifest.base === undefined ? [] : [element('meta', [['base', manifest.base]])],
  );
  const body = element('body', [], [element('switch', [], manifest.renditions.map(videoElement))]);
  return writeXml(element('smil', present([['title', manifest.title]]), [head, body]));
}

function videoElement(r: Rendition): WritableElement {
  const attributes = present([
    ['src', r.src],
    ['system-bitrate', r.systemBitrate],
    ['width', r.width],
    ['height', r.height],
    ['systemLanguage', r.language],
  ]);
  const params = present([
    ['videoBitrate', r.videoBitrate],
    ['audioBitrate', r.audioBitrate],
    ['videoCodecId', r.videoCodecId],
    ['audioCodecId', r.audioCodecId],
  ]).map(([name, value]) =>
    element('param', [
      ['name', name],
      ['value', value],
      ['valuetype', 'data'],
    ]),
  );
  return element('video', attributes, params);
}
