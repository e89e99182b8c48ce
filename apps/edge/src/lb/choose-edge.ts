import type { FleetEdge } from '@tributary/contracts';
import { chooseEdge, type EdgeLoad } from '@tributary/smil';

/**
 * Which healthy edge of the fleet to send someone to (RTMP 302, SMIL, ReconnectRequest). The same rule
 * as the api's SMIL and playback URLs, through packages/smil's chooseEdge: least `connections / capacity`
 * first, an edge at its own viewer cap (EDGE_MAX_VIEWERS) counts as full (it would only redirect again),
 * and an edge in the preferred region wins while one there has room.
 */
export function edgeLoad(edge: FleetEdge): EdgeLoad {
  return {
    healthy: edge.maxViewers === null || edge.viewers < edge.maxViewers,
    connections: edge.connections,
    capacity: edge.capacity,
  };
}

/**
 * Where a client goes and at which URL: a client that came over TLS (RTMPS) is only sent to edges that
 * report an RTMPS URL, and to that URL, so a redirect never moves its stream key or token to plain RTMP.
 */
export function clientUrlOf(edge: FleetEdge, tls: boolean): string | undefined {
  if (!tls) return edge.rtmpUrl;
  return edge.rtmpsUrl ?? undefined;
}

export function pickFleetEdge(fleet: readonly FleetEdge[], region?: string | null): FleetEdge | undefined {
  const choose = (candidates: readonly FleetEdge[]): FleetEdge | undefined => {
    const byId = new Map(candidates.map((e) => [e.edgeId, e]));
    const chosen = chooseEdge(
      candidates.map((e) => ({ id: e.edgeId, base: e.rtmpUrl })),
      new Map(candidates.map((e) => [e.edgeId, edgeLoad(e)])),
    );
    return chosen?.id === undefined ? undefined : byId.get(chosen.id);
  };
  if (region) {
    const near = choose(fleet.filter((e) => e.region === region));
    if (near) return near;
  }
  return choose(fleet);
}

/**
 * The URL a client is sent to: the chosen edge's RTMP (or RTMPS) application URL with the client's
 * connect query (a playback token, a stream key's parameters) kept, so a redirected player authenticates
 * as it would have here. Undefined when the URL is not rtmp:// or rtmps:// (nothing a client could follow).
 */
export function redirectUrl(edgeRtmpUrl: string, query: URLSearchParams): string | undefined {
  let url: URL;
  try {
    url = new URL(edgeRtmpUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'rtmp:' && url.protocol !== 'rtmps:') return undefined;
  for (const [k, v] of query) if (!url.searchParams.has(k)) url.searchParams.append(k, v);
  return url.toString();
}
