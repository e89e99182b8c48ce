import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@tributary/service-kit';
import { CONFIG, LOGGER } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';

/** Rows deleted per statement: short transactions, no long lock on a big table. */
export const RETENTION_BATCH_ROWS = 1_000;
/** Statements per table per run; what is left waits for the next run, so one run stays bounded. */
export const RETENTION_MAX_BATCHES = 20;
/** An accepted or revoked invitation is kept a day, so its link answers "already used" or "revoked", not "not found". */
const USED_INVITATION_KEPT_MS = 86_400_000;

export interface RetentionCounts {
  userSessions: number;
  ingestSessions: number;
  idempotencyRecords: number;
  webhookEvents: number;
  invitations: number;
}

/**
 * Keeps the tables that grow with use from growing without bound: expired
 * dashboard sessions, ingest sessions ended longer ago than
 * INGEST_SESSION_RETENTION_DAYS (usage_hours keeps the aggregates), and
 * idempotency records older than IDEMPOTENCY_TTL_HOURS, webhook events (with their
 * delivery log) older than WEBHOOK_RETENTION_DAYS, and invitations once expired or a day after
 * they were accepted or revoked (kept that long so their link still says what happened). Runs every
 * RETENTION_INTERVAL_SECONDS on every instance; deletes are idempotent, so
 * several instances doing it at once only share the work.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .then((counts) => {
          const total =
            counts.userSessions +
            counts.ingestSessions +
            counts.idempotencyRecords +
            counts.webhookEvents +
            counts.invitations;
          if (total > 0) this.logger.info(counts, 'retention: purged old rows');
        })
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'retention run failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.config.RETENTION_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async runOnce(now = new Date()): Promise<RetentionCounts> {
    const db = this.db.unscoped('retention');
    const endedBefore = new Date(now.getTime() - this.config.INGEST_SESSION_RETENTION_DAYS * 86_400_000);
    const idempotentBefore = new Date(now.getTime() - this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000);
    const webhookBefore = new Date(now.getTime() - this.config.WEBHOOK_RETENTION_DAYS * 86_400_000);
    const usedBefore = new Date(now.getTime() - USED_INVITATION_KEPT_MS);
    return {
      userSessions: await this.batches(
        () => db.$executeRaw`
          DELETE FROM "user_sessions" WHERE "id" IN (
            SELECT "id" FROM "user_sessions" WHERE "expiresAt" <= ${now} LIMIT ${RETENTION_BATCH_ROWS})`,
      ),
      ingestSessions: await this.batches(
        () => db.$executeRaw`
          DELETE FROM "ingest_sessions" WHERE "id" IN (
            SELECT "id" FROM "ingest_sessions"
            WHERE "endedAt" IS NOT NULL AND "endedAt" < ${endedBefore} LIMIT ${RETENTION_BATCH_ROWS})`,
      ),
      idempotencyRecords: await this.batches(
        () => db.$executeRaw`
          DELETE FROM "idempotency_records" WHERE ("scope", "key") IN (
            SELECT "scope", "key" FROM "idempotency_records"
            WHERE "createdAt" < ${idempotentBefore} LIMIT ${RETENTION_BATCH_ROWS})`,
      ),
      // Their deliveries (the log) go with them (ON DELETE CASCADE); one still pending is kept.
      webhookEvents: await this.batches(
        () => db.$executeRaw`
          DELETE FROM "webhook_events" WHERE "id" IN (
            SELECT e."id" FROM "webhook_events" e
            WHERE e."createdAt" < ${webhookBefore}
              AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" d WHERE d."eventId" = e."id" AND d."status" = 'pending')
            LIMIT ${RETENTION_BATCH_ROWS})`,
      ),
      invitations: await this.batches(
        () => db.$executeRaw`
          DELETE FROM "invitations" WHERE "id" IN (
            SELECT "id" FROM "invitations"
            WHERE "expiresAt" <= ${now} OR COALESCE("acceptedAt", "revokedAt") < ${usedBefore}
            LIMIT ${RETENTION_BATCH_ROWS})`,
      ),
    };
  }

  private async batches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < RETENTION_MAX_BATCHES; i++) {
      const n = await deleteBatch();
      total += n;
      if (n < RETENTION_BATCH_ROWS) break;
    }
    return total;
  }
}
