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
  /** A live stream's current picture (issue 15): a JPEG of its latest keyframe, refreshed every few seconds. */
  thumbnail: (playbackId: string) => `/live/${playbackId}/thumbnail.jpg`,
  /** An asset's poster (issue 15): a JPEG of its picture at 10 % of its duration. */
  vodPoster: (playbackId: string) => `/vod/${playbackId}/poster.jpg`,
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
  /** A JPEG of the stream's current picture (an asset token's: the asset's poster). */
  thumbnail: z.string().nullable(),
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
    thumbnail: `${http}${PlaybackHttpPaths.thumbnail(playbackId)}${q}`,
  };
}

/**
 * The RTMP application edges serve on-demand assets under (their VOD_APP): rtmp://<edge>/vod/<playbackId>,
 * beside the live application (RTMP_APP) in the same server.
 */
export const VOD_RTMP_APP = 'vod';

/**
 * Where an on-demand asset plays (issue 12): RTMP on demand under the edge's (or the fleet's) RTMP server,
 * in its VOD_RTMP_APP, HLS and the poster under its HTTP base.
 */
export const AssetPlaybackUrlsSchema = z.object({ rtmp: z.string(), hls: z.string(), poster: z.string() });
export type AssetPlaybackUrls = z.infer<typeof AssetPlaybackUrlsSchema>;

/**
 * An asset's URLs, with `?token=` if given: RTMP in VOD_RTMP_APP of the server `rtmpBase` names (an RTMP
 * application URL, rtmp://host[:port]/<app>: its application is replaced), HLS under `httpBase`.
 */
export function assetPlaybackUrls(
  rtmpBase: string,
  httpBase: string,
  playbackId: string,
  token?: string,
): AssetPlaybackUrls {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return {
    rtmp: `${vodRtmpBase(rtmpBase)}/${playbackId}${q}`,
    hls: `${httpBase.replace(/\/+$/, '')}${PlaybackHttpPaths.vodHlsPlaylist(playbackId)}${q}`,
    poster: `${httpBase.replace(/\/+$/, '')}${PlaybackHttpPaths.vodPoster(playbackId)}${q}`,
  };
}

/** rtmp://host[:port]/<app>[/...] as rtmp://host[:port]/vod (the server's on-demand application). */
export function vodRtmpBase(rtmpAppUrl: string): string {
  const m = /^(rtmps?:\/\/[^/?#]+)/i.exec(rtmpAppUrl.trim());
  return `${m ? m[1] : rtmpAppUrl.replace(/\/+$/, '')}/${VOD_RTMP_APP}`;
}
