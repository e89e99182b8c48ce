import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateEdgeInputSchema,
  type Edge,
  FLEET_MAX_EDGES,
  type FleetEdge,
  type HeartbeatRequest,
} from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { Authenticator } from '../../common/auth/authenticator';
import { CredentialPrefix } from '../../common/auth/credentials';
import { newSecret, sha256Hex } from '../../common/crypto/tokens';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import { TtlCache } from '../../common/ttl-cache';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { Edge as EdgeRow } from '../../generated/prisma/client';
import { pickEdge, toFleetEdge } from './fleet';

/** An edge that missed this many heartbeats in a row is unhealthy (issue 4; contracts HeartbeatResponse). */
export const MISSED_HEARTBEATS_UNHEALTHY = 3;

/**
 * Every live-stream read and token mint names the public endpoints, so they are
 * read at most this often. A registration, heartbeat or deregistration through
 * this instance refreshes them at once; health is judged on a scale of
 * heartbeats (10 s by default), which 2 s of staleness elsewhere hardly moves.
 */
export const PUBLIC_ENDPOINTS_CACHE_MS = 2_000;

export interface PublicEndpoints {
  ingest: { edgeId: string | null; region: string | null; server: string; rtmpsServer?: string }[];
  rtmp: string;
  http: string;
}

/** Health follows from the last heartbeat, so every api instance agrees without a sweeper. */
export function edgeStatus(
  lastHeartbeatAt: Date | null,
  intervalSeconds: number,
  now = Date.now(),
): Edge['status'] {
  if (!lastHeartbeatAt) return 'unknown';
  return now - lastHeartbeatAt.getTime() > MISSED_HEARTBEATS_UNHEALTHY * intervalSeconds * 1000
    ? 'unhealthy'
    : 'healthy';
}

/** Operators' edge registry. */
@Injectable()
export class EdgesService {
  /** One entry: the endpoint set is the same for every tenant. */
  private readonly endpoints = new TtlCache<'all', PublicEndpoints>(PUBLIC_ENDPOINTS_CACHE_MS, 1);
  private readonly fleetCache = new TtlCache<'all', FleetEdge[]>(PUBLIC_ENDPOINTS_CACHE_MS, 1);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  private get edges() {
    return this.db.unscoped('operator edge registry').edge;
  }

  toEdge(row: EdgeRow): Edge {
    return {
      id: row.id,
      name: row.name,
      region: row.region,
      rtmpUrl: row.rtmpUrl,
      httpUrl: row.httpUrl,
      capacity: row.capacity,
      status: edgeStatus(row.lastHeartbeatAt, this.config.EDGE_HEARTBEAT_INTERVAL_SECONDS),
      lastHeartbeatAt: row.lastHeartbeatAt?.toISOString() ?? null,
      load: {
        connections: row.connections,
        publishers: row.publishers,
        viewers: row.viewers,
        maxViewers: row.maxViewers,
        egressBps: row.egressBps,
      },
      draining: row.draining,
      internalRtmpUrl: row.internalRtmpUrl,
      rtmpsUrl: row.rtmpsUrl,
      createdAt: row.createdAt.toISOString(),
    };
  }

  async list(q: ListQuery) {
    return toPage(await this.edges.findMany({ ...pageArgs(q), where: { deletedAt: null } }), q, (r) =>
      this.toEdge(r),
    );
  }

  async get(id: string): Promise<Edge> {
    const row = await this.edges.findFirst({ where: { id, deletedAt: null } });
    if (!row) throw AppError.notFound('edge');
    return this.toEdge(row);
  }

  /** The credential is returned once; only its sha256 is stored. */
  async create(input: z.infer<typeof CreateEdgeInputSchema>): Promise<Edge & { credential: string }> {
    const credential = newSecret(CredentialPrefix.edge);
    const row = await this.edges.create({
      data: { id: newId(IdPrefix.edge), ...input, credentialHash: sha256Hex(credential) },
    });
    this.endpoints.clear();
    this.fleetCache.clear();
    return { ...this.toEdge(row), credential };
  }

  /**
   * Where customers publish and play. Ingest: every healthy edge (an encoder is given one address per
   * region), or the configured public URL when none is registered or healthy (single-node installs).
   * Playback: the fleet's own name when the operator configured one (FLEET_RTMP_URL, FLEET_HTTP_URL:
   * a round-robin DNS name or a load balancer in front of every edge, which can each serve any stream),
   * otherwise the least-loaded healthy edge at the time of the read.
   */
  publicEndpoints(): Promise<PublicEndpoints> {
    return this.endpoints.getOrLoad('all', () => this.readPublicEndpoints());
  }

  private async readPublicEndpoints(): Promise<PublicEndpoints> {
    const healthy = await this.fleet();
    const chosen = pickEdge(healthy) ?? healthy[0];
    return {
      ingest: healthy.length
        ? healthy.map((e) => ({
            edgeId: e.edgeId,
            region: e.region,
            server: e.rtmpUrl,
            ...(e.rtmpsUrl ? { rtmpsServer: e.rtmpsUrl } : {}),
          }))
        : [{ edgeId: null, region: null, server: this.config.PUBLIC_RTMP_URL }],
      rtmp: this.config.FLEET_RTMP_URL ?? chosen?.rtmpUrl ?? this.config.PUBLIC_RTMP_URL,
      http: this.config.FLEET_HTTP_URL ?? chosen?.httpUrl ?? this.config.PUBLIC_PLAYBACK_HTTP_URL,
    };
  }

  /** Deregisters: the credential stops working; past sessions keep their edge id. */
  async remove(id: string): Promise<void> {
    const { count } = await this.edges.updateMany({
      where: { id, deletedAt: null },
      data: { deletedAt: new Date() },
    });
    if (count === 0) throw AppError.notFound('edge');
    this.auth.forgetEdge(id);
    this.endpoints.clear();
    this.fleetCache.clear();
  }

  /**
   * An edge's liveness and load (edge contract heartbeat). Fields an older edge omits keep their
   * defaults: no internal address (peers use rtmpUrl), no RTMPS URL, no viewer cap, not draining.
   */
  async recordHeartbeat(edgeId: string, req: HeartbeatRequest): Promise<void> {
    await this.edges.update({
      where: { id: edgeId },
      data: {
        lastHeartbeatAt: new Date(),
        version: req.version,
        connections: req.connections,
        publishers: req.publishers,
        viewers: req.viewers,
        internalRtmpUrl: req.internalRtmpUrl ?? null,
        rtmpsUrl: req.rtmpsUrl ?? null,
        maxViewers: req.maxViewers ?? null,
        egressBps: req.egressBps ?? 0,
        draining: req.draining ?? false,
      },
    });
    this.endpoints.clear();
    this.fleetCache.clear();
  }

  /**
   * The healthy, non-draining edges with their load, in registration order, read at most every
   * PUBLIC_ENDPOINTS_CACHE_MS: every heartbeat answer and every SMIL request reads it.
   */
  fleet(): Promise<FleetEdge[]> {
    return this.fleetCache.getOrLoad('all', async () => {
      const now = Date.now();
      const rows = await this.edges.findMany({
        where: { deletedAt: null, draining: false, lastHeartbeatAt: { not: null } },
        orderBy: { createdAt: 'asc' },
        take: FLEET_MAX_EDGES,
      });
      return rows
        .filter(
          (e) =>
            edgeStatus(e.lastHeartbeatAt, this.config.EDGE_HEARTBEAT_INTERVAL_SECONDS, now) === 'healthy',
        )
        .map(toFleetEdge);
    });
  }
}
