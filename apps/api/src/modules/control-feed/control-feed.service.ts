import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  CHANGES_MAX_PAGE,
  type ChangesResponse,
  type ControlEvent,
  type ControlEventKind,
  ControlEventKindSchema,
} from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import { Client } from 'pg';
import { CONFIG, LOGGER } from '../../app.tokens';
import { AppError, ErrorCode } from '../../common/errors';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';

/** The channel api instances NOTIFY on commit and LISTEN to, so a long-poll on any instance wakes at once. */
export const FEED_CHANNEL = 'tributary_control_feed';
/**
 * Writers of the feed take this transaction-scoped advisory lock before inserting, so ids are
 * assigned in commit order: a reader that has seen id n can never later find a smaller id commit
 * (which a plain sequence allows when two transactions interleave). Revocations are rare; the
 * serialisation costs nothing that matters.
 */
const FEED_LOCK_KEY = 7_414_926_117;
/** Long-polls one instance parks at once; past it a poll is refused with 503 (the edge backs off). */
const MAX_WAITERS = 10_000;
/** Long-polls one edge may have parked at once (it needs one; a few ride out a reconnect); past it, 429. */
const MAX_WAITERS_PER_EDGE = 4;
/** The LISTEN connection is re-dialled after a failure with this backoff (doubling, capped). */
const LISTEN_RETRY_MIN_MS = 1_000;
const LISTEN_RETRY_MAX_MS = 30_000;
/** How often rows past the retention are purged. */
const PURGE_INTERVAL_MS = 10 * 60_000;

export interface NewControlEvent {
  kind: ControlEventKind;
  tenantId?: string | null;
  liveStreamId?: string | null;
  signingKeyId?: string | null;
}

/** Anything that runs raw statements: a Prisma client or the client of an interactive transaction. */
export interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

interface Waiter {
  after: bigint;
  wake: () => void;
}

interface EventRow {
  id: bigint;
  kind: string;
  tenantId: string | null;
  liveStreamId: string | null;
  signingKeyId: string | null;
  createdAt: Date;
}

/**
 * The control feed: a durable, ordered log in Postgres of every change an edge must act on
 * (contracts ControlEventKind). A change and its event commit in one transaction, so an edge that
 * follows the feed by id misses nothing across api restarts and instances. Long-polls park here
 * without holding a database connection and wake when the head moves: on this instance's own
 * commits at once, on other instances' through LISTEN/NOTIFY (external Postgres), and by a short
 * poll of the head as the fallback that always works (PGlite's socket does not deliver
 * notifications across connections, and the embedded pool has one connection).
 */
@Injectable()
export class ControlFeed implements OnModuleInit, OnModuleDestroy {
  private head = -1n;
  private readonly waiters = new Set<Waiter>();
  private readonly waitersPerEdge = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private listener: Client | undefined;
  private listenRetryMs = LISTEN_RETRY_MIN_MS;
  private listenTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get prisma() {
    return this.db.unscoped('control feed');
  }

  async onModuleInit(): Promise<void> {
    await this.refreshHead();
    this.pollTimer = setInterval(() => {
      if (this.waiters.size > 0) void this.refreshHead();
    }, this.config.CONTROL_FEED_POLL_MS);
    this.pollTimer.unref();
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    if (this.config.DATABASE_URL && this.config.CONTROL_FEED_LISTEN) this.listen(this.config.DATABASE_URL);
  }

  /** Shutdown: parked long-polls answer now (empty), so draining does not wait out their timers. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.purgeTimer);
    clearTimeout(this.listenTimer);
    for (const w of this.waiters) w.wake();
    this.waiters.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Appends an event inside the caller's transaction: it becomes visible exactly when the change
   * does, and not at all if the change rolls back. Call committed() after the transaction.
   */
  async append(tx: RawExecutor, event: NewControlEvent): Promise<void> {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${FEED_LOCK_KEY})`);
    await tx.$executeRawUnsafe(
      'INSERT INTO "control_events" ("kind", "tenantId", "liveStreamId", "signingKeyId") VALUES ($1, $2, $3, $4)',
      event.kind,
      event.tenantId ?? null,
      event.liveStreamId ?? null,
      event.signingKeyId ?? null,
    );
    // Delivered to every LISTENing instance when (and only if) the transaction commits.
    await tx.$executeRawUnsafe(`NOTIFY ${FEED_CHANNEL}`);
  }

  /** After a transaction that appended events: wakes this instance's long-polls at once. */
  committed(): void {
    void this.refreshHead();
  }

  /**
   * GET /v1/edge/changes, for the edge `edgeId`. `gone` aborts when the client hangs up: its parked
   * poll is released at once rather than counting against the edge until the wait runs out.
   */
  async changes(
    afterText: string | undefined,
    waitSeconds: number,
    edgeId: string,
    gone?: AbortSignal,
  ): Promise<ChangesResponse> {
    const bounds = await this.bounds();
    const max = bounds.max ?? 0n;
    if (afterText === undefined) return { events: [], cursor: max.toString(), resync: true };
    const after = BigInt(afterText);
    // Purging keeps the newest row, so an empty table has never had events: any cursor but 0 is foreign.
    const foreign = bounds.max === null ? after > 0n : after > max;
    const tooOld = bounds.min !== null && after < bounds.min - 1n;
    if (foreign || tooOld) return { events: [], cursor: max.toString(), resync: true };
    const first = await this.read(after);
    // The cursor moved (events, or only kinds this version skips): answer now.
    const moved = BigInt(first.cursor) !== after;
    if (moved || waitSeconds === 0 || this.closed || gone?.aborted) return first;
    const parked = this.waitersPerEdge.get(edgeId) ?? 0;
    if (parked >= MAX_WAITERS_PER_EDGE) {
      throw new AppError(ErrorCode.rateLimited, `at most ${MAX_WAITERS_PER_EDGE} parked long-polls per edge`);
    }
    if (this.waiters.size >= MAX_WAITERS) {
      throw new AppError(ErrorCode.serviceUnavailable, 'too many parked long-polls on this instance; retry');
    }
    if (max > this.head) this.head = max;
    this.waitersPerEdge.set(edgeId, parked + 1);
    try {
      await this.waitPast(after, waitSeconds * 1000, gone);
    } finally {
      const left = (this.waitersPerEdge.get(edgeId) ?? 1) - 1;
      if (left > 0) this.waitersPerEdge.set(edgeId, left);
      else this.waitersPerEdge.delete(edgeId);
    }
    // Checked again from the start: rows may have been purged past the cursor while it waited.
    return this.closed || gone?.aborted ? first : this.changes(afterText, 0, edgeId);
  }

  private async read(after: bigint): Promise<ChangesResponse> {
    const rows = await this.prisma.$queryRawUnsafe<EventRow[]>(
      'SELECT "id", "kind", "tenantId", "liveStreamId", "signingKeyId", "createdAt" FROM "control_events" WHERE "id" > $1 ORDER BY "id" LIMIT $2',
      after,
      CHANGES_MAX_PAGE,
    );
    const events: ControlEvent[] = [];
    for (const r of rows) {
      const kind = ControlEventKindSchema.safeParse(r.kind);
      // An event kind this version does not know (a newer instance wrote it) is skipped, not sent.
      if (!kind.success) continue;
      events.push({
        id: r.id.toString(),
        kind: kind.data,
        tenantId: r.tenantId,
        liveStreamId: r.liveStreamId,
        signingKeyId: r.signingKeyId,
        at: r.createdAt.toISOString(),
      });
    }
    const last = rows.at(-1);
    return { events, cursor: (last ? last.id : after).toString(), resync: false };
  }

  private async bounds(): Promise<{ min: bigint | null; max: bigint | null }> {
    const [row] = await this.prisma.$queryRawUnsafe<Array<{ min: bigint | null; max: bigint | null }>>(
      'SELECT min("id") AS "min", max("id") AS "max" FROM "control_events"',
    );
    return { min: row?.min ?? null, max: row?.max ?? null };
  }

  private waitPast(after: bigint, timeoutMs: number, gone?: AbortSignal): Promise<void> {
    if (this.head > after) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after,
        wake: () => {
          clearTimeout(timer);
          gone?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      gone?.addEventListener('abort', waiter.wake, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Reads the head once (concurrent callers share it) and wakes every long-poll it has passed. */
  private refreshHead(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const { max } = await this.bounds();
        if (max !== null && max > this.head) this.head = max;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'control feed: reading the head failed');
      } finally {
        this.refreshing = undefined;
      }
      for (const w of this.waiters) if (this.head > w.after) w.wake();
    })();
    return this.refreshing;
  }

  /** A dedicated connection LISTENs for other instances' commits; re-dialled with backoff when it drops. */
  private listen(url: string): void {
    if (this.closed) return;
    const client = new Client({ connectionString: url });
    const retry = (err: Error) => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.logger.warn(
        { err: err.message, retryMs: this.listenRetryMs },
        'control feed: LISTEN connection lost; polling until it is back',
      );
      this.listenTimer = setTimeout(() => this.listen(url), this.listenRetryMs);
      this.listenTimer.unref();
      this.listenRetryMs = Math.min(this.listenRetryMs * 2, LISTEN_RETRY_MAX_MS);
    };
    this.listener = client;
    client.on('error', retry);
    client.on('end', () => retry(new Error('connection ended')));
    client.on('notification', () => void this.refreshHead());
    client
      .connect()
      .then(() => client.query(`LISTEN ${FEED_CHANNEL}`))
      .then(() => {
        this.listenRetryMs = LISTEN_RETRY_MIN_MS;
        // Commits made while this connection was down were missed as notifications: look once.
        void this.refreshHead();
      })
      .catch((err: Error) => retry(err));
  }

  /** Deletes rows past the retention, always keeping the newest (it anchors the head cursor). */
  async purge(): Promise<number> {
    try {
      return await this.prisma.$executeRawUnsafe(
        `DELETE FROM "control_events" WHERE "createdAt" < now() - make_interval(hours => $1::int) AND "id" < (SELECT max("id") FROM "control_events")`,
        this.config.CONTROL_FEED_RETENTION_HOURS,
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'control feed: purge failed');
      return 0;
    }
  }
}
