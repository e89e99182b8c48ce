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
} as const;

export interface PlaybackUrls {
  rtmp: string;
  hls: string | null;
  flv: string | null;
}

/** RTMP under the edge's application URL; HLS and HTTP-FLV under its HTTP base; `?token=` on each if given. */
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
  };
}
