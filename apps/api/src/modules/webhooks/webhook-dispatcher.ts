import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { WebhookHeaders, type WebhookPayload } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import PgBoss from 'pg-boss';
import { CONFIG, LOGGER } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import { type OutboundPolicy, postWebhook, systemResolver } from './outbound';
import { nextAttemptAt, type RetryPolicy } from './retry-schedule';
import { signatureHeader } from './signature';

/** The pg-boss queue of "deliver what is due for (endpoint, subject)" jobs; `short`: one queued per group. */
export const WEBHOOK_QUEUE = 'webhook-deliveries';
/** How often due deliveries are looked for (retries coming due, wake-ups lost to a crash, other instances'). */
const SWEEP_MS = 1000;
/** Groups woken per sweep (the rest on the next one). */
const SWEEP_GROUPS = 500;
/** A worker that still finds work after this sends the group to the queue again (fairness between groups). */
const DRAIN_BUDGET_MS = 20_000;
/** Workers poll the queue this often when nothing woke them (jobs sent by other api instances). */
const POLL_SECONDS = 2;
/** On shutdown, deliveries in flight get this long to finish before they are cancelled (and retried on start). */
const SHUTDOWN_GRACE_MS = 4000;

export const webhookSecretContext = (endpointId: string) => `webhook:${endpointId}`;

interface GroupJob {
  endpointId: string;
  subjectId: string;
}

type Claim = { kind: 'none' } | { kind: 'busy' } | { kind: 'later' } | { kind: 'claimed'; id: string };

/**
 * Sends webhook deliveries (docs/reliability.md: webhook-receiver-down, webhook-restart). What is owed lives
 * in webhook_deliveries; pg-boss (on the api's own pool, so on the embedded PGlite too) carries wake-ups to
 * a worker of any instance. Deliveries of one (endpoint, subject) go one at a time in seq order: a worker
 * claims only the group's head with a lease (`leaseUntil`), so a second worker, job or instance finds it
 * busy; a failed head is retried with backoff and holds the group until it succeeds or its window ends.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private boss: PgBoss | undefined;
  private readonly workers: string[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private sweepAgain = false;
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly cancel = new AbortController();
  private readonly retry: RetryPolicy;
  private readonly outbound: OutboundPolicy;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SecretBox) private readonly secrets: SecretBox,
  ) {
    this.retry = {
      baseMs: config.WEBHOOK_RETRY_BASE_MS,
      maxMs: config.WEBHOOK_RETRY_MAX_MS,
      windowMs: config.WEBHOOK_RETRY_WINDOW_HOURS * 3_600_000,
    };
    this.outbound = { allowList: config.WEBHOOK_ALLOWED_HOSTS, resolve: systemResolver };
  }

  /** The policy registration checks too (one allow-list, one resolver). */
  get policy(): OutboundPolicy {
    return this.outbound;
  }

  async onApplicationBootstrap(): Promise<void> {
    const boss = new PgBoss({
      db: { executeSql: (text, values) => this.db.query(text, values) },
      schema: 'pgboss',
      schedule: false,
      supervise: true,
      migrate: true,
    });
    boss.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'webhook queue error'));
    await boss.start();
    if (!(await boss.getQueue(WEBHOOK_QUEUE))) {
      await boss
        .createQueue(WEBHOOK_QUEUE, {
          name: WEBHOOK_QUEUE,
          policy: 'short',
          // Retries here are for the worker itself failing (database gone); receivers' failures are ours.
          retryLimit: 100,
          retryDelay: 2,
          retryBackoff: true,
          expireInSeconds: 300,
        })
        .catch(async (err) => {
          // Another instance created it first.
          if (!(await boss.getQueue(WEBHOOK_QUEUE))) throw err;
        });
    }
    this.boss = boss;
    for (let i = 0; i < this.config.WEBHOOK_CONCURRENCY; i++) {
      this.workers.push(
        await boss.work<GroupJob>(
          WEBHOOK_QUEUE,
          { pollingIntervalSeconds: POLL_SECONDS, batchSize: 1 },
          async ([job]) => {
            // A job fetched while shutting down is left to the next start (the sweep finds its group again).
            if (job && !this.stopping) await this.track(this.drain(job.data));
          },
        ),
      );
    }
    this.sweepTimer = setInterval(() => this.wake(), SWEEP_MS);
    this.sweepTimer.unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    const grace = setTimeout(() => this.cancel.abort(), SHUTDOWN_GRACE_MS);
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(grace);
    await this.boss?.stop({ graceful: true, wait: true, close: false, timeout: 1000 });
    // Work a worker took between the first wait and the stop: the pool closes after this, never under it.
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  /** Looks for due groups now (after a commit that wrote deliveries, a redelivery, an endpoint enabled). */
  wake(): void {
    if (this.stopping || !this.boss) return;
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    void this.track(this.sweep())
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'webhook sweep failed'))
      .finally(() => {
        this.sweeping = false;
        if (this.sweepAgain) {
          this.sweepAgain = false;
          this.wake();
        }
      });
  }

  /** Groups whose head is due and not leased, on enabled endpoints: one queued job each (pg-boss dedupes). */
  private async sweep(): Promise<void> {
    const { rows } = await this.db.query(
      `SELECT DISTINCT d."endpointId", d."subjectId"
         FROM "webhook_deliveries" d JOIN "webhook_endpoints" e ON e."id" = d."endpointId"
        WHERE d."status" = 'pending' AND d."nextAttemptAt" <= now() AND e."enabled"
          AND (d."leaseUntil" IS NULL OR d."leaseUntil" < now())
          AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" p
                           WHERE p."endpointId" = d."endpointId" AND p."subjectId" = d."subjectId"
                             AND p."status" = 'pending' AND p."seq" < d."seq")
        LIMIT ${SWEEP_GROUPS}`,
    );
    const boss = this.boss;
    if (!boss || rows.length === 0) return;
    let sent = 0;
    for (const r of rows as GroupJob[]) {
      const id = await boss.send(
        WEBHOOK_QUEUE,
        { endpointId: r.endpointId, subjectId: r.subjectId },
        { singletonKey: `${r.endpointId}|${r.subjectId}` },
      );
      if (id) sent++;
    }
    if (sent > 0) for (const w of this.workers) boss.notifyWorker(w);
  }

  private leaseMs(): number {
    return this.config.WEBHOOK_TIMEOUT_MS * 2 + 10_000;
  }

  /** Claims the group's head if it is due and nobody holds it. */
  private async claim(g: GroupJob): Promise<Claim> {
    const { rows } = await this.db.query(
      `WITH head AS (
         SELECT "id" FROM "webhook_deliveries"
          WHERE "endpointId" = $1 AND "subjectId" = $2 AND "status" = 'pending'
          ORDER BY "seq" LIMIT 1
       ), claimed AS (
         UPDATE "webhook_deliveries" d
            SET "leaseUntil" = now() + make_interval(secs => $3::double precision / 1000), "updatedAt" = now()
           FROM head
          WHERE d."id" = head."id" AND d."status" = 'pending' AND d."nextAttemptAt" <= now()
            AND (d."leaseUntil" IS NULL OR d."leaseUntil" < now())
         RETURNING d."id"
       )
       SELECT head."id", (SELECT "id" FROM claimed) AS "claimed",
              (SELECT "leaseUntil" > now() FROM "webhook_deliveries" WHERE "id" = head."id") AS "busy"
         FROM head`,
      [g.endpointId, g.subjectId, this.leaseMs()],
    );
    const row = rows[0] as { id: string; claimed: string | null; busy: boolean | null } | undefined;
    if (!row) return { kind: 'none' };
    if (row.claimed) return { kind: 'claimed', id: row.claimed };
    return row.busy ? { kind: 'busy' } : { kind: 'later' };
  }

  /** Delivers the group's due deliveries in order until one fails, none is due, or the budget is spent. */
  private async drain(g: GroupJob): Promise<void> {
    const until = Date.now() + DRAIN_BUDGET_MS;
    while (!this.stopping) {
      if (Date.now() > until) {
        this.wake();
        return;
      }
      const claim = await this.claim(g);
      if (claim.kind !== 'claimed') return;
      if (!(await this.attempt(claim.id))) return;
    }
  }

  /** One attempt of one claimed delivery, recorded; true when it succeeded (the group goes on). */
  private async attempt(id: string): Promise<boolean> {
    const prisma = this.db.unscoped('webhook delivery');
    const d = await prisma.webhookDelivery.findUnique({
      where: { id },
      include: { event: true, endpoint: true },
    });
    if (!d) return true;
    if (!d.endpoint.enabled) {
      await prisma.webhookDelivery.update({ where: { id }, data: { leaseUntil: null } });
      return false;
    }
    const payload: WebhookPayload = {
      id: d.event.id,
      type: d.event.type as WebhookPayload['type'],
      created_at: d.event.createdAt.toISOString(),
      data: d.event.data as Record<string, unknown>,
    };
    const body = JSON.stringify(payload);
    const secret = this.secrets.decrypt(d.endpoint.secretEncrypted, webhookSecretContext(d.endpoint.id));
    const result = await postWebhook(
      d.endpoint.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Tributary-Webhooks/1',
        [WebhookHeaders.signature]: signatureHeader(secret, Math.floor(Date.now() / 1000), body),
        [WebhookHeaders.eventId]: d.event.id,
        [WebhookHeaders.eventType]: d.event.type,
      },
      { ...this.outbound, timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, signal: this.cancel.signal },
    );
    const now = Date.now();
    const last = {
      lastAttemptAt: new Date(now),
      responseStatus: result.status,
      latencyMs: result.latencyMs,
      responseSnippet: result.snippet,
      error: result.error,
      leaseUntil: null,
    };
    if (result.ok) {
      await prisma.webhookDelivery.update({
        where: { id },
        data: { ...last, status: 'succeeded', attempts: { increment: 1 }, deliveredAt: new Date(now) },
      });
      this.logger.debug(
        { deliveryId: id, eventId: d.event.id, latencyMs: result.latencyMs },
        'webhook delivered',
      );
      return true;
    }
    if (this.cancel.signal.aborted) {
      // Cut by shutdown: not an attempt the receiver failed; due again at once on the next start.
      await prisma.webhookDelivery.update({ where: { id }, data: { ...last, nextAttemptAt: new Date(now) } });
      return false;
    }
    const next = nextAttemptAt(d.event.createdAt.getTime(), d.attempts + 1, now, this.retry);
    await prisma.webhookDelivery.update({
      where: { id },
      data: {
        ...last,
        attempts: { increment: 1 },
        ...(next === undefined ? { status: 'failed' } : { nextAttemptAt: new Date(next) }),
      },
    });
    this.logger.info(
      {
        deliveryId: id,
        eventId: d.event.id,
        endpointId: d.endpoint.id,
        error: result.error,
        gaveUp: next === undefined,
      },
      'webhook delivery failed',
    );
    // A head that gave up lets the group go on.
    return next === undefined;
  }
}
