import type { Rendition } from '@tributary/contracts';
import { generateMultiBitrateSmil, type MultiBitrateManifest, renderHlsMultivariant } from '@tributary/smil';
import type { CodecIds } from '../streams/renditions';

/**
 * The manifests of an encoder ladder (issue 13), built with packages/smil from the renditions live on
 * this edge, in the ladder's order. Pure: the caller finds the renditions and writes the response.
 */
export interface LiveRendition {
  /** The rendition's stream name, `<playbackId>_<rendition>` (what RTMP plays and HLS/FLV serve). */
  streamName: string;
  rendition: Rendition;
  /** RFC 6381 ids of its tracks, as far as their sequence headers said. */
  codecIds: CodecIds;
  /** Whether it has sent a video / an audio track (CODECS must then name it, or be left out). */
  hasVideo: boolean;
  hasAudio: boolean;
}

function manifestOf(ladder: readonly LiveRendition[], base?: string): MultiBitrateManifest {
  return {
    ...(base === undefined ? {} : { base }),
    renditions: ladder.map((r) => {
      // CODECS lists every track or none (RFC 8216 §4.3.4.2): an id not yet known leaves both out.
      const complete =
        (!r.hasVideo || r.codecIds.video !== undefined) && (!r.hasAudio || r.codecIds.audio !== undefined);
      return {
        src: r.streamName,
        systemBitrate: (r.rendition.videoBitrateKbps + r.rendition.audioBitrateKbps) * 1000,
        videoBitrate: r.rendition.videoBitrateKbps * 1000,
        ...(r.rendition.audioBitrateKbps > 0 ? { audioBitrate: r.rendition.audioBitrateKbps * 1000 } : {}),
        width: r.rendition.width,
        height: r.rendition.height,
        ...(complete && r.hasVideo ? { videoCodecId: r.codecIds.video } : {}),
        ...(complete && r.hasAudio ? { audioCodecId: r.codecIds.audio } : {}),
      };
    }),
  };
}

/**
 * The SMIL JW Player and Wowza read: `<meta base>` (the RTMP application, with `?token=` when the
 * viewer has one: players connect to the base, and the edge reads the token from the connect) and a
 * `<switch>` of `<video src=<playbackId>_<rendition> system-bitrate width height>` with Wowza's params.
 */
export function renderLadderSmil(ladder: readonly LiveRendition[], base: string): string {
  return generateMultiBitrateSmil(manifestOf(ladder, base));
}

/**
 * The HLS multivariant playlist: one `#EXT-X-STREAM-INF` (BANDWIDTH, RESOLUTION, CODECS) per rendition,
 * its URI the rendition's own media playlist beside this one (`../<playbackId>_<rendition>/index.m3u8`).
 */
export function renderLadderMultivariant(
  ladder: readonly LiveRendition[],
  decorate: (uri: string) => string = (uri) => uri,
): string {
  return renderHlsMultivariant(manifestOf(ladder), {
    uriFor: (r) => decorate(`../${r.src}/index.m3u8`),
  });
}
