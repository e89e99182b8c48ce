import type { EdgeEntry } from './edge-list';

/** What the control plane knows of an edge's load (from its heartbeats, contracts/edge-api.ts). */
export interface EdgeLoad {
  /** False when the api marked the edge unhealthy (e.g. missed heartbeats) or it is draining. */
  healthy: boolean;
  /** Open client connections (publishers and viewers). */
  connections: number;
  /** Connections the edge is sized for (the api's `Edge.capacity`). */
  capacity: number;
}

/**
 * Chooses the least-loaded healthy edge: the lowest `connections / capacity`, then
 * the fewest connections, then the earlier edge in the list. Loads are looked up by
 * the edge's id, or by its base URL when it has no id.
 *
 * An edge is left out when it has no load figures, is unhealthy, is full, or its
 * figures are not sane numbers: a bad report from one edge must not stop the
 * others from being chosen, and an edge we know nothing about is not known healthy.
 * Returns undefined when no edge qualifies.
 */
export function chooseEdge(
  edges: readonly EdgeEntry[],
  loads: ReadonlyMap<string, EdgeLoad>,
): EdgeEntry | undefined {
  let best: { edge: EdgeEntry; load: EdgeLoad } | undefined;
  for (const edge of edges) {
    const load = loads.get(edge.id ?? edge.base);
    if (load === undefined || !isAvailable(load)) continue;
    if (best === undefined || isLessLoaded(load, best.load)) best = { edge, load };
  }
  return best?.edge;
}

function isAvailable(load: EdgeLoad): boolean {
  return (
    load.healthy &&
    Number.isSafeInteger(load.connections) &&
    Number.isSafeInteger(load.capacity) &&
    load.connections >= 0 &&
    load.capacity > 0 &&
    load.connections < load.capacity
  );
}

function isLessLoaded(a: EdgeLoad, b: EdgeLoad): boolean {
  // Compare a.connections/a.capacity with b's by cross-multiplying: exact for integers,
  // where floating-point ratios could call two equal loads different.
  const left = BigInt(a.connections) * BigInt(b.capacity);
  const right = BigInt(b.connections) * BigInt(a.capacity);
  return left < right || (left === right && a.connections < b.connections);
}

/** An edge of a fleet as edges and the api know it from heartbeats (contracts' FleetEdge has these fields). */
export interface FleetEdgeLoad {
  edgeId: string;
  region: string | null;
  connections: number;
  capacity: number;
  viewers: number;
  /** The edge's own viewer cap (EDGE_MAX_VIEWERS); at it the edge counts as full. */
  maxViewers: number | null;
}

/**
 * Where to send a player (SMIL, RTMP 302, a reconnect request): the least-loaded edge with room
 * (chooseEdge's rule), preferring `region` when an edge there has room: a viewer is better served by
 * a busier edge nearby than an idle one far away, until it is full. Undefined when none has room.
 */
export function chooseFleetEdge<T extends FleetEdgeLoad>(
  fleet: readonly T[],
  region?: string | null,
): T | undefined {
  const choose = (candidates: readonly T[]) => {
    const byId = new Map(candidates.map((e) => [e.edgeId, e]));
    const loads = new Map<string, EdgeLoad>(
      candidates.map((e) => [
        e.edgeId,
        {
          healthy: e.maxViewers === null || e.viewers < e.maxViewers,
          connections: e.connections,
          capacity: e.capacity,
        },
      ]),
    );
    const chosen = chooseEdge(
      candidates.map((e) => ({ id: e.edgeId, base: e.edgeId })),
      loads,
    );
    return chosen?.id === undefined ? undefined : byId.get(chosen.id);
  };
  if (region) {
    const near = choose(fleet.filter((e) => e.region === region));
    if (near) return near;
  }
  return choose(fleet);
}
