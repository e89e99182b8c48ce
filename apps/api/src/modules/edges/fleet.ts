import type { FleetEdge } from '@tributary/contracts';
import { chooseEdge, type EdgeLoad } from '@tributary/smil';
import type { Edge as EdgeRow } from '../../generated/prisma/client';

/**
 * The fleet as players and full edges see it: which healthy edge to send someone to. Edges apply
 * the same choice to the fleet list they get in each heartbeat answer (302 redirects, SMIL), the api
 * to its own read of the edges table (its SMIL, playback URLs); both through packages/smil's
 * chooseEdge, so "least loaded" means one thing everywhere.
 */

export function toFleetEdge(row: EdgeRow): FleetEdge {
  return {
    edgeId: row.id,
    name: row.name,
    region: row.region || null,
    rtmpUrl: row.rtmpUrl,
    httpUrl: row.httpUrl || null,
    connections: row.connections,
    viewers: row.viewers,
    maxViewers: row.maxViewers,
    capacity: row.capacity,
    egressBps: row.egressBps,
  };
}

/**
 * An edge's load for chooseEdge: connections against the operator's capacity, and an edge at its
 * own viewer cap (EDGE_MAX_VIEWERS) counts as full: it would only redirect the player again.
 */
export function edgeLoad(edge: FleetEdge): EdgeLoad {
  return {
    healthy: edge.maxViewers === null || edge.viewers < edge.maxViewers,
    connections: edge.connections,
    capacity: edge.capacity,
  };
}

/**
 * The least-loaded edge with room, preferring the given region when an edge there has room (a
 * viewer is better served by a loaded edge nearby than an idle one across an ocean, until it is full).
 */
export function pickEdge(fleet: readonly FleetEdge[], region?: string | null): FleetEdge | undefined {
  const choose = (candidates: readonly FleetEdge[]) => {
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
