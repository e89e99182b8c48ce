import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AuthorizePublishRequest,
  type AuthorizePublishResponse,
  type ChangesQuery,
  type ChangesResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LiveStreamCheck,
  PLAYBACK_TOKEN_ALG,
  type PlaybackKey,
  type PlaybackKeysQuery,
  type PlaybackKeysResponse,
  type PublishRefusalReason,
  RELAY_TOKEN_AUDIENCE,
  RELAY_TOKEN_TTL_SECONDS,
  type SessionEndRequest,
  type SessionStartRequest,
  type SessionStatsRequest,
  type StreamOriginResponse,
  splitRenditionName,
} from '@tributary/contracts';
import { SignJWT } from 'jose';
import { CONFIG } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppError } from '../../common/errors';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { PrismaClient } from '../../generated/prisma/client';
import { ControlFeed } from '../control-feed/control-feed.service';
import { EdgesService, edgeStatus, MISSED_HEARTBEATS_UNHEALTHY } from '../edges/edges.service';
import { LiveEventRunner } from '../live-events/live-event-runner';
import { keyContext, ladderOf } from '../live-streams/live-streams.service';
import { PlaybackKeys } from '../playback/playback-keys.service';
import { UsageMeter } from '../usage/usage-meter';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

/**
 * How long an edge may cache answers. Revocations do not wait for these: the
 * control feed drops the cached answer and cuts the publisher on every edge
 * within seconds. Allows: 30 s bounds the cost of a missed event; refusals: 5 s,
 * so a key that was just created works soon.
 */
export const PUBLISH_ALLOW_CACHE_SECONDS = 30;
export const PUBLISH_REFUSAL_CACHE_SECONDS = 5;

/** One row of EdgeApiService.publishFacts. */
interface PublishFacts {
  id: string;
  tenantId: string;
  playbackId: string;
  playbackPolicy: 'public' | 'signed';
  record: boolean;
  disabled: boolean;
  streamKeyHmac: string;
  tenantStatus: 'active' | 'suspended';
  maxLiveStreams: number | null;
  maxViewers: number | null;
  eventTitle: string | null;
  /** null when not counted (no cap, or the stream is already live). */
  liveStreams: number | null;
  /** The stream has a publish credential (authmod=adobe). */
  publishCredentials: boolean;
  renditionSource: string;
  renditions: unknown;
}

/** One row of EdgeApiService.streamOrigin: the stream, its current session and that session's edge. */
interface OriginFacts {
  id: string;
  tenantId: string;
  playbackId: string;
  playbackPolicy: 'public' | 'signed';
  disabled: boolean;
  tenantStatus: 'active' | 'suspended';
  maxViewers: number | null;
  eventTitle: string | null;
  sessionId: string | null;
  sessionEndedAt: Date | null;
  originEdgeId: string | null;
  originRtmpUrl: string | null;
  originInternalRtmpUrl: string | null;
  originHeartbeatAt: Date | null;
  originDeletedAt: Date | null;
  renditionSource: string;
  renditions: unknown;
}

const refusal = (reason: PublishRefusalReason, message: string): AuthorizePublishResponse => ({
  allowed: false,
  reason,
  message,
  cacheTtlSeconds: PUBLISH_REFUSAL_CACHE_SECONDS,
});

/** The edge↔api contract (contracts/edge-api.ts). Edges act across tenants, hence unscoped access. */
@Injectable()
export class EdgeApiService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(PlaybackKeys) private readonly keys: PlaybackKeys,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(EdgesService) private readonly edges: EdgesService,
    @Inject(ControlFeed) private readonly feed: ControlFeed,
    @Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox,
    @Inject(LiveEventRunner) private readonly liveEvents: LiveEventRunner,
    @Inject(UsageMeter) private readonly usage: UsageMeter,
  ) {}

  private get prisma(): PrismaClient {
    return this.db.unscoped('edge contract');
  }

  /**
   * A name is a stream key, or (dynamic streaming, contracts renditions.ts) `<stream key>_<rendition>`
   * for a stream whose 'encoder' ladder has that rendition. The whole name is tried first: stream keys
   * contain `_` themselves.
   */
  async authorizePublish(req: AuthorizePublishRequest): Promise<AuthorizePublishResponse> {
    let key = req.streamKey;
    let rendition: string | undefined;
    let stream = await this.publishFacts(this.secrets.mac(key));
    const split = stream ? undefined : splitRenditionName(req.streamKey);
    if (split) {
      stream = await this.publishFacts(this.secrets.mac(split.base));
      key = split.base;
      rendition = split.rendition;
    }
    if (!stream || !this.secrets.macMatches(key, stream.streamKeyHmac))
      return refusal('unknown_key', 'unknown stream key');
    const ladder = ladderOf(stream);
    if (rendition !== undefined) {
      const names = ladder.renditions.map((r) => r.name);
      if (ladder.renditionSource !== 'encoder' || !names.includes(rendition)) {
        return refusal(
          'unknown_rendition',
          ladder.renditionSource === 'encoder'
            ? `"${rendition}" is not a rendition of this stream (its renditions: ${names.join(', ')})`
            : `"${rendition}" is not a rendition of this stream: it has no encoder ladder`,
        );
      }
    }
    if (stream.tenantStatus === 'suspended') return refusal('tenant_suspended', 'the account is suspended');
    if (stream.disabled) return refusal('stream_disabled', 'this live stream is disabled');
    if (
      stream.maxLiveStreams !== null &&
      stream.liveStreams !== null &&
      stream.liveStreams >= stream.maxLiveStreams
    ) {
      return refusal('live_stream_limit_reached', `at most ${stream.maxLiveStreams} concurrent live streams`);
    }
    return {
      allowed: true,
      tenantId: stream.tenantId,
      liveStreamId: stream.id,
      playbackId: stream.playbackId,
      playbackPolicy: stream.playbackPolicy,
      record: stream.record,
      eventTitle: stream.eventTitle,
      maxViewers: stream.maxViewers,
      cacheTtlSeconds: PUBLISH_ALLOW_CACHE_SECONDS,
      publishCredentials: stream.publishCredentials,
      renditionSource: ladder.renditionSource,
      renditions: ladder.renditions,
      ...(rendition === undefined ? {} : { rendition }),
    };
  }

  /**
   * Everything a publish decision needs in one statement (one round trip, the
   * hottest call an edge makes): the stream found by its key's HMAC through the
   * unique index, its tenant, the title of its first live or scheduled event,
   * and, only when the tenant has a concurrency cap and the stream is not
   * already live, how many of the tenant's streams are live.
   */
  private async publishFacts(streamKeyHmac: string): Promise<PublishFacts | undefined> {
    const rows = await this.prisma.$queryRaw<PublishFacts[]>`
      SELECT s."id", s."tenantId", s."playbackId", s."playbackPolicy"::text AS "playbackPolicy", s."record",
             s."disabled", s."streamKeyHmac", t."status"::text AS "tenantStatus", t."maxLiveStreams", t."maxViewers",
             (SELECT e."title" FROM "live_events" e
                WHERE e."liveStreamId" = s."id" AND e."state" IN ('live', 'scheduled')
                -- the live event first (the enum sorts 'scheduled' before 'live'), then the next scheduled one
                ORDER BY (e."state" = 'live') DESC, e."scheduledStartAt" ASC NULLS LAST LIMIT 1) AS "eventTitle",
             CASE WHEN t."maxLiveStreams" IS NOT NULL AND s."currentSessionId" IS NULL THEN
               (SELECT count(*)::int FROM "live_streams" l
                  WHERE l."tenantId" = s."tenantId" AND l."currentSessionId" IS NOT NULL)
             END AS "liveStreams",
             EXISTS (SELECT 1 FROM "publish_credentials" c WHERE c."liveStreamId" = s."id") AS "publishCredentials",
             s."renditionSource", s."renditions"
      FROM "live_streams" s JOIN "tenants" t ON t."id" = s."tenantId"
      WHERE s."streamKeyHmac" = ${streamKeyHmac}`;
    return rows[0];
  }

  /** A new session becomes the stream's current one; a session it replaces (publisher takeover) is ended. */
  async startSession(edgeId: string, req: SessionStartRequest): Promise<{ sessionId: string }> {
    const stream = await this.prisma.liveStream.findUnique({ where: { id: req.liveStreamId } });
    if (!stream) throw AppError.notFound('live stream');
    const id = newId(IdPrefix.ingestSession);
    // An edge replaces only its own open session, or one left by an edge that is gone (deregistered, or
    // unhealthy: no heartbeat for 3 intervals). A healthy edge's session is never ended by another edge,
    // which ends it itself when its publisher goes: one edge credential cannot cut streams elsewhere.
    const staleBefore = new Date(
      Date.now() - MISSED_HEARTBEATS_UNHEALTHY * this.config.EDGE_HEARTBEAT_INTERVAL_SECONDS * 1000,
    );
    // Interactive: the live event runner's statement follows the stream row's update and its webhook event
    // depends on what it changed. Concurrent starts on one stream (an encoder reconnecting at once, two on
    // one key) queue on the stream row, locked first: taken only at the update, after each had written its
    // session, the locks crossed and Postgres ended all but one start with a deadlock (a 500 to the edge).
    const { eventWentLive, wasIdle } = await this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ currentSessionId: string | null }[]>`
        SELECT "currentSessionId" FROM "live_streams" WHERE "id" = ${stream.id} FOR UPDATE`;
      const wasIdle = (locked?.currentSessionId ?? null) === null;
      await tx.ingestSession.updateMany({
        where: {
          liveStreamId: stream.id,
          endedAt: null,
          OR: [
            { edgeId },
            { edgeId: null },
            {
              edge: {
                OR: [
                  { deletedAt: { not: null } },
                  { lastHeartbeatAt: null },
                  { lastHeartbeatAt: { lt: staleBefore } },
                ],
              },
            },
          ],
        },
        data: { endedAt: new Date(), endReason: 'replaced by a new session' },
      });
      await tx.ingestSession.create({
        data: {
          id,
          tenantId: stream.tenantId,
          liveStreamId: stream.id,
          edgeId,
          clientIp: req.clientIp,
          videoCodec: req.video?.codec ?? null,
          width: req.video?.width ?? null,
          height: req.video?.height ?? null,
          frameRate: req.video?.frameRate ?? null,
          audioCodec: req.audio?.codec ?? null,
        },
      });
      await tx.liveStream.update({ where: { id: stream.id }, data: { currentSessionId: id } });
      // Idle to active (a takeover of a running stream is not a new activation).
      if (wasIdle)
        await this.webhooks.event(tx, {
          tenantId: stream.tenantId,
          type: 'live_stream.active',
          subjectId: stream.id,
          data: {
            id: stream.id,
            name: stream.name,
            playbackId: stream.playbackId,
            status: 'active',
            sessionId: id,
          },
        });
      // The stream's live event resumes, or its next scheduled one goes live (live-event-runner.ts).
      return { eventWentLive: await this.liveEvents.publishStarted(tx, stream.id), wasIdle };
    });
    if (wasIdle || eventWentLive) this.webhooks.committed();
    return { sessionId: id };
  }

  private async ownSession(edgeId: string, sessionId: string) {
    const session = await this.prisma.ingestSession.findUnique({ where: { id: sessionId } });
    // Another edge's session is "not found": an edge cannot report for sessions it does not carry.
    if (!session || session.edgeId !== edgeId) throw AppError.notFound('session');
    return session;
  }

  async sessionStats(
    edgeId: string,
    sessionId: string,
    req: SessionStatsRequest,
    now = Date.now(),
  ): Promise<void> {
    const session = await this.ownSession(edgeId, sessionId);
    // Interactive: the usage alert probe follows the usage upsert (usage-meter.ts), and its events depend on it.
    const fired = await this.prisma.$transaction(async (tx) => {
      await tx.ingestSession.update({
        where: { id: session.id },
        data: {
          viewers: req.viewers,
          peakViewers: Math.max(session.peakViewers, req.viewers),
          bitrateKbps: req.bitrateKbps,
          ...(req.renditions ? { renditionStats: req.renditions } : {}),
          bytesIn: { increment: BigInt(req.bytesInDelta) },
          bytesOut: { increment: BigInt(req.bytesOutDelta) },
          ...(req.video
            ? {
                videoCodec: req.video.codec,
                width: req.video.width,
                height: req.video.height,
                frameRate: req.video.frameRate,
              }
            : {}),
          ...(req.audio ? { audioCodec: req.audio.codec } : {}),
        },
      });
      return this.usage.record(tx, session.tenantId, req, now);
    });
    if (fired > 0) this.usage.committed();
  }

  async endSession(
    edgeId: string,
    sessionId: string,
    req: SessionEndRequest,
    now = Date.now(),
  ): Promise<void> {
    const session = await this.ownSession(edgeId, sessionId);
    // The stream goes idle only if this was its current session (not one already replaced).
    const stream = await this.prisma.liveStream.findFirst({ where: { currentSessionId: session.id } });
    const fired = await this.prisma.$transaction(async (tx) => {
      await tx.ingestSession.update({
        where: { id: session.id },
        data: {
          endedAt: session.endedAt ?? new Date(now),
          endReason: session.endReason ?? req.reason,
          viewers: 0,
          bytesIn: { increment: BigInt(req.bytesInDelta) },
          bytesOut: { increment: BigInt(req.bytesOutDelta) },
        },
      });
      await tx.liveStream.updateMany({
        where: { currentSessionId: session.id },
        data: { currentSessionId: null },
      });
      const usageEvents = await this.usage.record(tx, session.tenantId, req, now);
      if (!stream) return usageEvents;
      // Its live event's reconnect window opens (live-event-runner.ts).
      await this.liveEvents.publishEnded(tx, stream.id);
      await this.webhooks.event(tx, {
        tenantId: stream.tenantId,
        type: 'live_stream.idle',
        subjectId: stream.id,
        data: {
          id: stream.id,
          name: stream.name,
          playbackId: stream.playbackId,
          status: stream.disabled ? 'disabled' : 'idle',
          sessionId: session.id,
          endReason: session.endReason ?? req.reason,
        },
      });
      return usageEvents + 1;
    });
    if (fired > 0) this.webhooks.committed();
  }

  /** Records the edge's load and answers with the rest of the fleet: where it may send players. */
  async heartbeat(edgeId: string, req: HeartbeatRequest): Promise<HeartbeatResponse> {
    await this.edges.recordHeartbeat(edgeId, req);
    const fleet = await this.edges.fleet();
    return {
      edgeId,
      heartbeatIntervalSeconds: this.config.EDGE_HEARTBEAT_INTERVAL_SECONDS,
      fleet: fleet.filter((e) => e.edgeId !== edgeId),
    };
  }

  /**
   * Where a playback id is live (issue 11): its current ingest session's edge, if that session is open
   * and its edge healthy (a draining edge still carries its publishers until they move), with the
   * stream's viewer-side facts and a relay token the asking edge pulls with. A disabled stream or a
   * suspended tenant is not live for anyone. Unknown playback ids are 404, as for players.
   */
  /**
   * `name` is a playback id, or `<playbackId>_<rendition>` of a stream whose ladder has that rendition
   * (dynamic streaming): its origin is the stream's, and the relay token names the whole name.
   */
  async streamOrigin(edgeId: string, name: string, now = Date.now()): Promise<StreamOriginResponse> {
    let row = await this.originFacts(name);
    let rendition: string | undefined;
    const split = row ? undefined : splitRenditionName(name);
    if (split) {
      const base = await this.originFacts(split.base);
      const ladder = base ? ladderOf(base) : undefined;
      if (
        base &&
        ladder &&
        ladder.renditionSource !== 'none' &&
        ladder.renditions.some((r) => r.name === split.rendition)
      ) {
        row = base;
        rendition = split.rendition;
      }
    }
    if (!row) throw AppError.notFound('playback id');
    const live =
      !row.disabled &&
      row.tenantStatus === 'active' &&
      row.sessionId !== null &&
      row.sessionEndedAt === null &&
      row.originEdgeId !== null &&
      row.originDeletedAt === null &&
      edgeStatus(row.originHeartbeatAt, this.config.EDGE_HEARTBEAT_INTERVAL_SECONDS, now) === 'healthy';
    if (!live || row.sessionId === null || row.originEdgeId === null || row.originRtmpUrl === null)
      return { live: false };
    const ladder = ladderOf(row);
    return {
      live: true,
      tenantId: row.tenantId,
      liveStreamId: row.id,
      playbackId: row.playbackId,
      playbackPolicy: row.playbackPolicy,
      eventTitle: row.eventTitle,
      maxViewers: row.maxViewers,
      sessionId: row.sessionId,
      origin: { edgeId: row.originEdgeId, rtmpUrl: row.originInternalRtmpUrl ?? row.originRtmpUrl },
      isSelf: row.originEdgeId === edgeId,
      relayToken: await this.relayToken(edgeId, rendition === undefined ? row.playbackId : name, now),
      ...(ladder.renditionSource === 'none'
        ? {}
        : { renditionSource: ladder.renditionSource, renditions: ladder.renditions }),
      ...(rendition === undefined ? {} : { rendition }),
    };
  }

  private async originFacts(playbackId: string): Promise<OriginFacts | undefined> {
    const rows = await this.prisma.$queryRaw<OriginFacts[]>`
      SELECT s."id", s."tenantId", s."playbackId", s."playbackPolicy"::text AS "playbackPolicy", s."disabled",
             t."status"::text AS "tenantStatus", t."maxViewers",
             (SELECT e."title" FROM "live_events" e
                WHERE e."liveStreamId" = s."id" AND e."state" IN ('live', 'scheduled')
                ORDER BY (e."state" = 'live') DESC, e."scheduledStartAt" ASC NULLS LAST LIMIT 1) AS "eventTitle",
             i."id" AS "sessionId", i."endedAt" AS "sessionEndedAt",
             g."id" AS "originEdgeId", g."rtmpUrl" AS "originRtmpUrl", g."internalRtmpUrl" AS "originInternalRtmpUrl",
             g."lastHeartbeatAt" AS "originHeartbeatAt", g."deletedAt" AS "originDeletedAt",
             s."renditionSource", s."renditions"
      FROM "live_streams" s
        JOIN "tenants" t ON t."id" = s."tenantId"
        LEFT JOIN "ingest_sessions" i ON i."id" = s."currentSessionId"
        LEFT JOIN "edges" g ON g."id" = i."edgeId"
      WHERE s."playbackId" = ${playbackId}`;
    return rows[0];
  }

  /** A relay token (contracts/edge-api.ts): the platform key, the relay audience, a short life. */
  private relayToken(edgeId: string, playbackId: string, now: number): Promise<string> {
    const { kid, key } = this.keys.platformKey();
    const iat = Math.floor(now / 1000);
    return new SignJWT({ edg: edgeId })
      .setProtectedHeader({ alg: PLAYBACK_TOKEN_ALG, kid, typ: 'JWT' })
      .setSubject(playbackId)
      .setAudience(RELAY_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + RELAY_TOKEN_TTL_SECONDS)
      .sign(key);
  }

  playbackKeys(q: PlaybackKeysQuery): Promise<PlaybackKeysResponse> {
    return this.keys.verificationKeysPage(q.after, q.limit);
  }

  async playbackKey(kid: string): Promise<PlaybackKey> {
    const key = await this.keys.verificationKey(kid);
    if (!key) throw AppError.notFound('playback key');
    return key;
  }

  changes(edgeId: string, q: ChangesQuery, gone?: AbortSignal): Promise<ChangesResponse> {
    return this.feed.changes(q.after, q.waitSeconds, edgeId, gone);
  }

  /**
   * After a feed resync: which of the streams an edge carries may no longer publish. A rotated key is
   * told apart by the digest of the key the publisher used against the stream's current key.
   */
  async liveStreamChecks(streams: LiveStreamCheck[]): Promise<{ revoked: string[] }> {
    const rows = await this.prisma.liveStream.findMany({
      where: {
        id: { in: streams.map((s) => s.liveStreamId) },
        disabled: false,
        tenant: { status: 'active' },
      },
      select: { id: true, streamKeyEncrypted: true },
    });
    const current = new Map(
      rows.map((r) => [
        r.id,
        createHash('sha256')
          .update(this.secrets.decrypt(r.streamKeyEncrypted, keyContext(r.id)))
          .digest('base64url'),
      ]),
    );
    return {
      revoked: streams.filter((s) => current.get(s.liveStreamId) !== s.keyDigest).map((s) => s.liveStreamId),
    };
  }
}
