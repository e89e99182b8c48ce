import { z } from 'zod';

/**
 * Where an edge serves a live stream, by playback id (never by stream key).
 * The api builds customer-facing URLs with this, the edge routes requests with
 * the same layout (issue 7: `/live/<playbackId>/index.m3u8`, `/live/<playbackId>.flv`).
 */
export const PlaybackHttpPaths = {
  hlsPlaylist: (playbackId: string) => `/live/${playbackId}/index.m3u8`,
  flv: (playbackId: string) => `/live/${playbackId}.flv`,
  /** SMIL load balancing (issue 11): `<meta base="rtmp://<least-loaded edge>/live"/>` + `<video src>`. */
  smil: (playbackId: string) => `/live/${playbackId}.smil`,
  /** On-demand assets as HLS (issue 12): a VOD playlist, segments cut on the file's keyframes. */
  vodHlsPlaylist: (playbackId: string) => `/vod/${playbackId}/index.m3u8`,
  /** One segment of vodHlsPlaylist, numbered from 0. */
  vodHlsSegment: (playbackId: string, n: number) => `/vod/${playbackId}/seg-${n}.ts`,
} as const;

/**
 * Where a stream plays. `smil` is the load-balanced entry point (issue 11): a SMIL document naming the
 * least-loaded healthy edge, which players that read SMIL (JW Player) fetch first.
 */
export const PlaybackUrlsSchema = z.object({
  rtmp: z.string(),
  hls: z.string().nullable(),
  flv: z.string().nullable(),
  smil: z.string().nullable(),
});
export type PlaybackUrls = z.infer<typeof PlaybackUrlsSchema>;

/**
 * RTMP under the edge's (or the fleet's) application URL; HLS, HTTP-FLV and SMIL under its HTTP base
 * (every edge serves each, as does the api for SMIL); `?token=` on each if given.
 */
export function playbackUrls(
  rtmpBase: string,
  httpBase: string,
  playbackId: string,
  token?: string,
): PlaybackUrls {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const http = httpBase.replace(/\/+$/, '');
  return {
    rtmp: `${rtmpBase.replace(/\/+$/, '')}/${playbackId}${q}`,
    hls: `${http}${PlaybackHttpPaths.hlsPlaylist(playbackId)}${q}`,
    flv: `${http}${PlaybackHttpPaths.flv(playbackId)}${q}`,
    smil: `${http}${PlaybackHttpPaths.smil(playbackId)}${q}`,
  };
}

/** Where an on-demand asset plays (issue 12): HLS under the edge's (or the fleet's) HTTP base. */
export const AssetPlaybackUrlsSchema = z.object({ hls: z.string() });
export type AssetPlaybackUrls = z.infer<typeof AssetPlaybackUrlsSchema>;

/** An asset's HLS URL under an HTTP base, with `?token=` if given. */
export function assetPlaybackUrls(httpBase: string, playbackId: string, token?: string): AssetPlaybackUrls {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return { hls: `${httpBase.replace(/\/+$/, '')}${PlaybackHttpPaths.vodHlsPlaylist(playbackId)}${q}` };
}
