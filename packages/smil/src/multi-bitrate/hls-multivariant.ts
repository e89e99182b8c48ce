import { SmilError, SmilErrorCode } from '../errors';
import { MAX_URL_LENGTH } from '../smil/value-rules';
import {
  assertValidManifest,
  type MultiBitrateManifest,
  type Rendition,
  renditionBandwidth,
} from './multi-bitrate-manifest';

export interface HlsMultivariantOptions {
  /**
   * The URI of a rendition's media playlist, relative to the multivariant playlist
   * or absolute. The edge owns its URL layout, so it supplies this.
   */
  uriFor: (rendition: Rendition) => string;
}

/**
 * Renders an HLS multivariant ("master") playlist from a SMIL switch
 * (RFC 8216 §4.3.4.2, https://www.rfc-editor.org/rfc/rfc8216#section-4.3.4.2):
 * one `#EXT-X-STREAM-INF` per rendition, in SMIL order (clients start with the first
 * variant, as Wowza documents for its SMIL-derived manifests), followed by its URI.
 * - BANDWIDTH (required): the rendition's peak bits per second (`renditionBandwidth`).
 * - CODECS: the RFC 6381 ids from `videoCodecId`/`audioCodecId`, when the SMIL has them.
 * - RESOLUTION: `width`x`height`, when present.
 */
export function renderHlsMultivariant(
  manifest: MultiBitrateManifest,
  options: HlsMultivariantOptions,
): string {
  assertValidManifest(manifest);
  const lines = ['#EXTM3U'];
  for (const rendition of manifest.renditions) {
    const attributes = [`BANDWIDTH=${renditionBandwidth(rendition)}`];
    const codecs = [rendition.videoCodecId, rendition.audioCodecId].filter((c) => c !== undefined);
    // Codec ids are checked against [A-Za-z0-9.+_-], so they cannot break the quoted-string.
    if (codecs.length > 0) attributes.push(`CODECS="${codecs.join(',')}"`);
    if (rendition.width !== undefined && rendition.height !== undefined) {
      attributes.push(`RESOLUTION=${rendition.width}x${rendition.height}`);
    }
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, checkedUri(options.uriFor(rendition), rendition));
  }
  return `${lines.join('\n')}\n`;
}

/** A URI line (RFC 8216 §4.1) must be one line, not empty, and not start with `#` (a tag or comment). */
function checkedUri(uri: string, rendition: Rendition): string {
  if (uri === '' || uri.startsWith('#') || /[\r\n]/.test(uri) || uri.length > MAX_URL_LENGTH) {
    throw new SmilError(
      SmilErrorCode.InvalidValue,
      `playlist URI ${JSON.stringify(uri)} for src "${rendition.src}" is empty, multi-line, too long or starts with #`,
    );
  }
  return uri;
}
