import { isSafeName } from '@tributary/contracts';

/** A request under /vod/ (contracts PlaybackHttpPaths: vodHlsPlaylist, vodHlsSegment). */
export type VodRoute =
  | { kind: 'playlist'; playbackId: string }
  | { kind: 'segment'; playbackId: string; segment: number }
  /** The asset's poster (`/vod/<playbackId>/poster.jpg`). */
  | { kind: 'poster'; playbackId: string }
  /** The asset as SMIL (`/vod/<playbackId>.smil`): `<meta base="rtmp://<edge>/vod"/>` and its `<video>`. */
  | { kind: 'smil'; playbackId: string };

/** Segment numbers are at most this many digits (a file has far fewer than 10^7 segments). */
const MAX_SEGMENT_DIGITS = 7;

/**
 * `/vod/<playbackId>/index.m3u8`, `/vod/<playbackId>/seg-<n>.ts`, `/vod/<playbackId>/poster.jpg` or
 * `/vod/<playbackId>.smil`; anything else is undefined.
 */
export function parseVodPath(path: string): VodRoute | undefined {
  const parts = path.split('/');
  if (parts.length === 3 && parts[0] === '' && parts[1] === 'vod' && parts[2]?.endsWith('.smil')) {
    const playbackId = parts[2].slice(0, -'.smil'.length);
    return isSafeName(playbackId) ? { kind: 'smil', playbackId } : undefined;
  }
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== 'vod') return undefined;
  const playbackId = parts[2] as string;
  const file = parts[3] as string;
  if (!isSafeName(playbackId)) return undefined;
  if (file === 'index.m3u8') return { kind: 'playlist', playbackId };
  if (file === 'poster.jpg') return { kind: 'poster', playbackId };
  const m = new RegExp(`^seg-(0|[1-9]\\d{0,${MAX_SEGMENT_DIGITS - 1}})\\.ts$`).exec(file);
  if (!m) return undefined;
  return { kind: 'segment', playbackId, segment: Number(m[1]) };
}
