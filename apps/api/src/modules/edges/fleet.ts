import type { FleetEdge } from '@tributary/contracts';
import { chooseFleetEdge } from '@tributary/smil';
import type { Edge as EdgeRow } from '../../generated/prisma/client';

/**
 * The fleet as players and full edges see it: which healthy edge to send someone to. Edges apply
 * the same choice to the fleet list they get in each heartbeat answer (302 redirects, SMIL), the api
 * to its own read of the edges table (its SMIL, playback URLs); both through packages/smil's
 * chooseFleetEdge, so "least loaded" means one thing everywhere.
 */

export function toFleetEdge(row: EdgeRow): FleetEdge {
  return {
    edgeId: row.id,
    name: row.name,
    region: row.region || null,
    rtmpUrl: row.rtmpUrl,
    httpUrl: row.httpUrl || null,
    ...(row.rtmpsUrl ? { rtmpsUrl: row.rtmpsUrl } : {}),
    connections: row.connections,
    viewers: row.viewers,
    maxViewers: row.maxViewers,
    capacity: row.capacity,
    egressBps: row.egressBps,
  };
}

/** The least-loaded edge with room, in `region` first (packages/smil's chooseFleetEdge). */
export function pickEdge(fleet: readonly FleetEdge[], region?: string | null): FleetEdge | undefined {
  return chooseFleetEdge(fleet, region);
}
