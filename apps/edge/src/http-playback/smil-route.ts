import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@tributary/contracts';
import { renderEdgeRedirectSmil } from '@tributary/smil';
import { type LiveRendition, renderLadderSmil } from './ladder-manifests';
import { PlaybackHttpError } from './playback-errors';

export const SMIL_CONTENT_TYPE = 'application/smil+xml; charset=utf-8';
/** Longest `?token=` carried onto the SMIL src (a playback JWT is well under 1 KiB). */
const MAX_TOKEN_LENGTH = 4096;
const REGION = /^[A-Za-z0-9_.-]{1,64}$/;

export interface SmilRouteOptions {
  /**
   * The RTMP application URL to name as `<meta base>` for a viewer (lb/ LoadBalancer.smilBase: this edge
   * while it has room, else the least-loaded other edge, region first); undefined: nowhere to play.
   */
  baseFor: (req: IncomingMessage, viewerRegion: string | undefined) => string | undefined;
}

/**
 * SMIL load balancing (issue 11) on every edge: `GET /live/<playbackId>.smil[?token=…][&region=…]` is the
 * document JW Player reads, `<meta base="rtmp://<edge>/<app>"/>` plus `<video src="<playbackId>[?token=…]"/>`,
 * as the api serves at the same path. The id is well formed (playback-routes.ts); whether it is live is
 * for the play itself to say, as for any viewer. The token is carried, not checked: the edge named
 * checks it at play.
 */
export function serveSmil(
  opts: SmilRouteOptions,
  req: IncomingMessage,
  res: ServerResponse,
  playbackId: string,
  query: URLSearchParams,
  /** The stream's encoder ladder live on this edge (ladder-manifests.ts): a `<switch>` of its renditions. */
  ladder?: readonly LiveRendition[],
): void {
  const token = query.get('token') ?? undefined;
  if (token !== undefined && (token.length === 0 || token.length > MAX_TOKEN_LENGTH))
    throw new PlaybackHttpError(ErrorCode.badRequest, 'The token is not a playback token.');
  const regionParam = query.get('region') ?? undefined;
  const region = regionParam !== undefined && REGION.test(regionParam) ? regionParam : undefined;
  const base = opts.baseFor(req, region);
  if (base === undefined)
    throw new PlaybackHttpError(ErrorCode.serviceUnavailable, 'No edge is available to play from.');
  let body: string;
  try {
    if (ladder && ladder.length > 0) {
      body = renderLadderSmil(
        ladder,
        token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`,
      );
    } else
      body = renderEdgeRedirectSmil(
        { base },
        playbackId,
        token === undefined ? undefined : `token=${encodeURIComponent(token)}`,
      );
  } catch {
    throw new PlaybackHttpError(ErrorCode.badRequest, 'The token cannot be carried in a SMIL document.');
  }
  res.writeHead(200, {
    'content-type': SMIL_CONTENT_TYPE,
    // Load changes by the second: a player asks again rather than reuse an old answer.
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * This edge's own SMIL base when EDGE_PUBLIC_RTMP_URL is unset: the host the viewer reached this edge's
 * HTTP port by (its Host header, parsed as a URL host so nothing else gets through) with the RTMP port
 * and application. Undefined when the header is missing or not a host.
 */
export function selfBaseFromHost(
  hostHeader: string | undefined,
  rtmpPort: number,
  app: string,
): string | undefined {
  if (hostHeader === undefined || hostHeader.length > 255) return undefined;
  try {
    const url = new URL(`http://${hostHeader}/`);
    if (url.username || url.password || url.pathname !== '/') return undefined;
    return `rtmp://${url.hostname}:${rtmpPort}/${app}`;
  } catch {
    return undefined;
  }
}

/** An RTMP application URL with its application replaced (`rtmp://h:1935/live` → `rtmp://h:1935/vod`). */
export function withApp(appUrl: string | undefined, app: string): string | undefined {
  if (appUrl === undefined) return undefined;
  try {
    const url = new URL(appUrl);
    url.pathname = `/${app}`;
    url.search = '';
    return url.toString();
  } catch {
    return undefined;
  }
}
