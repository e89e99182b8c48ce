import type { LiveStream } from '@tributary/contracts';

/**
 * Playback URL layout served by the edges (apps/edge): RTMP under the edge's
 * application URL, HLS and HTTP-FLV under its HTTP base, all by playback id
 * (never the stream key).
 */
export function playbackUrls(
  rtmpBase: string,
  httpBase: string,
  playbackId: string,
  token?: string,
): LiveStream['playback'] {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const http = httpBase.replace(/\/+$/, '');
  return {
    rtmp: `${rtmpBase.replace(/\/+$/, '')}/${playbackId}${q}`,
    hls: `${http}/hls/${playbackId}/index.m3u8${q}`,
    flv: `${http}/flv/${playbackId}.flv${q}`,
  };
}
