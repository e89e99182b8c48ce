import { isSafeName } from '@tributary/contracts';

/**
 * What a request under /live/ asks for. The layout is contracts/playback-urls.ts (PlaybackHttpPaths):
 * `/live/<playbackId>/index.m3u8`, `/live/<playbackId>.flv`, `/live/<playbackId>.smil`; segments, parts and init sections sit
 * beside the playlist as `/live/<playbackId>/<epoch>/<resource>`, where the epoch names one segmenter
 * run, so a URI never means two different contents (a cache cannot serve a stale seg-0).
 */
export type PlaybackRoute =
  | { kind: 'hls-playlist'; playbackId: string }
  | { kind: 'hls-resource'; playbackId: string; epoch: string; resource: string }
  | { kind: 'flv'; playbackId: string }
  /** SMIL load balancing (issue 11): `/live/<playbackId>.smil`, served by smil-route.ts. */
  | { kind: 'smil'; playbackId: string }
  /** The stream's current picture (thumbnails/live-thumbnails.ts): `/live/<playbackId>/thumbnail.jpg`. */
  | { kind: 'thumbnail'; playbackId: string };

/** The segmenter's own names (packages/media LiveSegmenter): seg-N.ts|m4s, part-N.P.ts|m4s, init-N.mp4. */
const RESOURCE = /^(?:seg-\d{1,10}\.(?:ts|m4s)|part-\d{1,10}\.\d{1,4}\.(?:ts|m4s)|init-\d{1,6}\.mp4)$/;
const EPOCH = /^[a-z0-9]{1,16}$/;
export const PLAYLIST_NAME = 'index.m3u8';
export const THUMBNAIL_NAME = 'thumbnail.jpg';
const FLV_SUFFIX = '.flv';
const SMIL_SUFFIX = '.smil';

/**
 * Parses the path (without query) of a playback request. Undefined for anything that is not a playback
 * URL, and for ids outside the safe alphabet (docs/reliability.md: names): those are answered 404 before any
 * lookup. Percent-encoded paths are not decoded, so `%2e%2e` never becomes `..`.
 */
export function parsePlaybackPath(path: string): PlaybackRoute | undefined {
  const parts = path.split('/');
  if (parts[0] !== '' || parts[1] !== 'live') return undefined;
  if (parts.length === 3) {
    const file = parts[2]!;
    if (file.endsWith(SMIL_SUFFIX)) {
      const playbackId = file.slice(0, -SMIL_SUFFIX.length);
      return isSafeName(playbackId) ? { kind: 'smil', playbackId } : undefined;
    }
    if (!file.endsWith(FLV_SUFFIX)) return undefined;
    const playbackId = file.slice(0, -FLV_SUFFIX.length);
    return isSafeName(playbackId) ? { kind: 'flv', playbackId } : undefined;
  }
  const playbackId = parts[2]!;
  if (!isSafeName(playbackId)) return undefined;
  if (parts.length === 4) {
    if (parts[3] === THUMBNAIL_NAME) return { kind: 'thumbnail', playbackId };
    return parts[3] === PLAYLIST_NAME ? { kind: 'hls-playlist', playbackId } : undefined;
  }
  if (parts.length === 5) {
    const [epoch, resource] = [parts[3]!, parts[4]!];
    if (EPOCH.test(epoch) && RESOURCE.test(resource))
      return { kind: 'hls-resource', playbackId, epoch, resource };
  }
  return undefined;
}
