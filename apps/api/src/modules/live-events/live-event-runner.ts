import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@tributary/service-kit';
import { CONFIG, LOGGER } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { Prisma } from '../../generated/prisma/client';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

/** Events ended per sweep statement; the rest wait for the next sweep (one sweep stays short). */
export const LIVE_EVENT_SWEEP_BATCH = 100;

type Tx = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

interface EventRow {
  id: string;
  tenantId: string;
  liveStreamId: string;
  title: string;
  state: string;
  scheduledStartAt: Date | null;
  scheduledEndAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

/** The body of every live_event.* webhook (the manual transitions in LiveEventsService send the same). */
export function liveEventWebhookData(e: EventRow) {
  return {
    id: e.id,
    liveStreamId: e.liveStreamId,
    title: e.title,
    state: e.state,
    scheduledStartAt: e.scheduledStartAt?.toISOString() ?? null,
    scheduledEndAt: e.scheduledEndAt?.toISOString() ?? null,
    startedAt: e.startedAt?.toISOString() ?? null,
    endedAt: e.endedAt?.toISOString() ?? null,
  };
}

/** How often each api instance looks for events past their reconnect window. */
export function sweepIntervalMs(windowSeconds: number): number {
  return Math.min(5_000, Math.max(250, (windowSeconds * 1000) / 4));
}

/**
 * Live events that run themselves (issue 15). Everything lives in the database, so it holds across api
 * restarts and any number of api instances:
 * - a session starting on a stream (EdgeApiService.startSession, same transaction) resumes the stream's
 *   live event if it has one (a publisher back within the window), else makes its next scheduled event
 *   live: the earliest scheduledStartAt (events without one after those with one, then the oldest),
 *   emitting live_event.live;
 * - the stream's current session ending (EdgeApiService.endSession) stamps its live event's
 *   publishEndedAt;
 * - every instance sweeps: a live event whose publishEndedAt is older than
 *   LIVE_EVENT_RECONNECT_WINDOW_SECONDS, its stream still idle, becomes ended (endedAt = when the
 *   publish ended), emitting live_event.ended. The UPDATE's row locks (SKIP LOCKED) let exactly one
 *   instance end each event.
 * Events made live by hand on an idle stream are not ended by the sweep (publishEndedAt stays null).
 */
@Injectable()
export class LiveEventRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'live event sweep failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, sweepIntervalMs(this.config.LIVE_EVENT_RECONNECT_WINDOW_SECONDS));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * In the transaction that makes a new session the stream's current one, after the stream row is
   * updated (its row lock orders concurrent starts on one stream). True when an event went live (the
   * caller wakes the webhook dispatcher after its commit).
   */
  async publishStarted(tx: Tx, liveStreamId: string): Promise<boolean> {
    const started = await tx.$queryRaw<EventRow[]>`
      WITH resumed AS (
        UPDATE "live_events" SET "publishEndedAt" = NULL, "updatedAt" = now()
        WHERE "liveStreamId" = ${liveStreamId} AND "state" = 'live' AND "publishEndedAt" IS NOT NULL
        RETURNING "id"
      ), next AS (
        SELECT n."id" FROM "live_events" n
        WHERE n."liveStreamId" = ${liveStreamId} AND n."state" = 'scheduled'
          AND NOT EXISTS (SELECT 1 FROM "live_events" l WHERE l."liveStreamId" = ${liveStreamId} AND l."state" = 'live')
        ORDER BY n."scheduledStartAt" ASC NULLS LAST, n."createdAt" ASC, n."id" ASC
        LIMIT 1
        FOR UPDATE
      )
      UPDATE "live_events" e
      SET "state" = 'live', "startedAt" = now(), "publishEndedAt" = NULL, "updatedAt" = now()
      FROM next WHERE e."id" = next."id" AND e."state" = 'scheduled'
      RETURNING e."id", e."tenantId", e."liveStreamId", e."title", e."state"::text AS "state",
                e."scheduledStartAt", e."scheduledEndAt", e."startedAt", e."endedAt"`;
    for (const e of started) {
      await this.webhooks.event(tx, {
        tenantId: e.tenantId,
        type: 'live_event.live',
        subjectId: e.liveStreamId,
        data: liveEventWebhookData(e),
      });
    }
    return started.length > 0;
  }

  /** In the transaction that ends the stream's current session: its live event's reconnect window opens. */
  publishEnded(tx: Tx, liveStreamId: string) {
    return tx.$executeRaw`
      UPDATE "live_events" SET "publishEndedAt" = now(), "updatedAt" = now()
      WHERE "liveStreamId" = ${liveStreamId} AND "state" = 'live' AND "publishEndedAt" IS NULL`;
  }

  /** Ends the live events past their reconnect window (at most LIVE_EVENT_SWEEP_BATCH); how many. */
  async sweep(): Promise<number> {
    const windowSeconds = this.config.LIVE_EVENT_RECONNECT_WINDOW_SECONDS;
    const ended = await this.db.unscoped('live event sweep').$transaction(async (tx) => {
      const rows = await tx.$queryRaw<EventRow[]>`
        UPDATE "live_events" e
        SET "state" = 'ended', "endedAt" = e."publishEndedAt", "publishEndedAt" = NULL, "updatedAt" = now()
        WHERE e."id" IN (
          SELECT x."id" FROM "live_events" x JOIN "live_streams" s ON s."id" = x."liveStreamId"
          WHERE x."state" = 'live' AND x."publishEndedAt" IS NOT NULL
            AND x."publishEndedAt" < now() - (${windowSeconds}::int * interval '1 second')
            AND s."currentSessionId" IS NULL
          ORDER BY x."publishEndedAt"
          LIMIT ${LIVE_EVENT_SWEEP_BATCH}
          FOR UPDATE OF x SKIP LOCKED)
        RETURNING e."id", e."tenantId", e."liveStreamId", e."title", e."state"::text AS "state",
                  e."scheduledStartAt", e."scheduledEndAt", e."startedAt", e."endedAt"`;
      for (const e of rows) {
        await this.webhooks.event(tx, {
          tenantId: e.tenantId,
          type: 'live_event.ended',
          subjectId: e.liveStreamId,
          data: liveEventWebhookData(e),
        });
      }
      return rows;
    });
    if (ended.length > 0) {
      this.webhooks.committed();
      for (const e of ended)
        this.logger.info(
          { liveEventId: e.id, liveStreamId: e.liveStreamId },
          'live event ended: publish did not return',
        );
    }
    return ended.length;
  }
}
