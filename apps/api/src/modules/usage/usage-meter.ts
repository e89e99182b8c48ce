import { Inject, Injectable } from '@nestjs/common';
import {
  USAGE_ALERT_METRICS,
  type UsageAlertMetric,
  type UsageAlertPeriod,
  type UsageThresholdEventData,
} from '@tributary/contracts';
import { Prisma } from '../../generated/prisma/client';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { hourStart, metricValue, type Period, periodOf, type UsageCounters } from './usage-periods';

type Tx = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** What an edge reports for a session since its last report. */
export interface UsageDelta {
  viewerSecondsDelta: number;
  bytesOutDelta: number;
  bytesInDelta: number;
}

/** One usage_periods row as the upsert returns it. */
interface PeriodRow {
  period: UsageAlertPeriod;
  viewerSeconds: number;
  egressBytes: bigint;
  ingestBytes: bigint;
  alerts: boolean;
}

interface FiredRow {
  alertId: string;
  metric: UsageAlertMetric;
  threshold: number;
  period: UsageAlertPeriod;
  value: number;
}

const counters = (r: PeriodRow): UsageCounters => ({
  viewerSeconds: r.viewerSeconds,
  egressBytes: Number(r.egressBytes),
  ingestBytes: Number(r.ingestBytes),
});

/**
 * The value before an increment, recomputed as after − delta, can exceed the stored one by a rounding error
 * (viewer seconds are fractional); widening the probe's lower bound by this much can only add an alert that
 * already fired, which its firing row's key then ignores, never lose one.
 */
const ROUNDING_SLACK = 1e-9;

/**
 * Records usage and fires usage alerts (issue 15), inside the caller's transaction.
 *
 * Every heartbeat with usage adds it, in one statement, to the tenant's hour (usage_hours) and to running totals
 * of its UTC day and month (usage_periods), which return the totals after the increment and whether the tenant
 * has alerts of that period kind (`alerts`, set by `evaluate` under the same row's lock). Only then, and only
 * then, a second statement probes the index for the enabled alerts whose threshold lies in (before, after] of a
 * counter that grew: for a tenant with alerts that is a few index ranges returning nothing almost always, and
 * for the others nothing at all. A crossing inserts its (alert, period) firing row ON CONFLICT DO NOTHING and
 * writes the webhook event for the rows actually inserted, in the same transaction as the usage: exactly one
 * event per (alert, period) whatever the number of api instances and concurrent heartbeats, and none lost
 * to a crash between the two.
 *
 * An alert created, enabled or lowered while its period already reached it (`evaluate`) locks the period's
 * row first, then changes the alert and compares: a heartbeat that holds the row commits before, so the
 * comparison counts it; one that comes after waits, and its probe (a later statement) sees the alert.
 */
@Injectable()
export class UsageMeter {
  constructor(@Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox) {}

  /** Adds `d` at `now`; resolves with the number of usage.threshold events written (call `committed` after). */
  async record(tx: Tx, tenantId: string, d: UsageDelta, now: number): Promise<number> {
    if (d.viewerSecondsDelta === 0 && d.bytesOutDelta === 0 && d.bytesInDelta === 0) return 0;
    const day = periodOf('day', now);
    const month = periodOf('month', now);
    const rows = await tx.$queryRaw<PeriodRow[]>`
      WITH hour AS (
        INSERT INTO "usage_hours" ("tenantId", "periodStart", "viewerSeconds", "egressBytes", "ingestBytes")
        VALUES (${tenantId}, ${hourStart(now).toISOString()}::timestamp(3), ${d.viewerSecondsDelta}::float8,
                ${d.bytesOutDelta}::bigint, ${d.bytesInDelta}::bigint)
        ON CONFLICT ("tenantId", "periodStart") DO UPDATE SET
          "viewerSeconds" = "usage_hours"."viewerSeconds" + EXCLUDED."viewerSeconds",
          "egressBytes" = "usage_hours"."egressBytes" + EXCLUDED."egressBytes",
          "ingestBytes" = "usage_hours"."ingestBytes" + EXCLUDED."ingestBytes"
      )
      INSERT INTO "usage_periods" AS p ("tenantId", "period", "periodStart", "viewerSeconds", "egressBytes", "ingestBytes", "alerts")
      SELECT ${tenantId}, k.period, k.start, ${d.viewerSecondsDelta}::float8, ${d.bytesOutDelta}::bigint,
             ${d.bytesInDelta}::bigint,
             EXISTS (SELECT 1 FROM "usage_alerts" a WHERE a."tenantId" = ${tenantId} AND a."period" = k.period)
        FROM (VALUES ('day'::"UsagePeriodKind", ${day.start.toISOString()}::timestamp(3)),
                     ('month'::"UsagePeriodKind", ${month.start.toISOString()}::timestamp(3))) AS k(period, start)
      ON CONFLICT ("tenantId", "period", "periodStart") DO UPDATE SET
        "viewerSeconds" = p."viewerSeconds" + EXCLUDED."viewerSeconds",
        "egressBytes" = p."egressBytes" + EXCLUDED."egressBytes",
        "ingestBytes" = p."ingestBytes" + EXCLUDED."ingestBytes"
      RETURNING p."period"::text AS "period", p."viewerSeconds", p."egressBytes", p."ingestBytes", p."alerts"`;
    const probes: Prisma.Sql[] = [];
    for (const row of rows) {
      if (!row.alerts) continue;
      const after = counters(row);
      const before: UsageCounters = {
        viewerSeconds: after.viewerSeconds - d.viewerSecondsDelta,
        egressBytes: after.egressBytes - d.bytesOutDelta,
        ingestBytes: after.ingestBytes - d.bytesInDelta,
      };
      const period = row.period === 'day' ? day : month;
      for (const metric of USAGE_ALERT_METRICS) {
        const to = metricValue(metric, after);
        const from = metricValue(metric, before);
        if (to <= from) continue;
        probes.push(
          Prisma.sql`(${row.period}, ${metric}, ${from - Math.abs(to) * ROUNDING_SLACK - ROUNDING_SLACK}::float8,
                      ${to}::float8, ${period.start.toISOString()}::timestamp(3))`,
        );
      }
    }
    if (probes.length === 0) return 0;
    const fired = await tx.$queryRaw<FiredRow[]>`
      WITH v(period, metric, "from", "to", start) AS (VALUES ${Prisma.join(probes)}),
      crossed AS (
        SELECT a."id", a."metric", a."threshold", a."period", v."to" AS "value", v.start
          FROM v JOIN "usage_alerts" a
            ON a."tenantId" = ${tenantId} AND a."period" = v.period::"UsagePeriodKind"
           AND a."metric" = v.metric::"UsageMetric" AND a."threshold" > v."from" AND a."threshold" <= v."to"
         WHERE a."enabled"
      ), fired AS (
        INSERT INTO "usage_alert_firings" ("alertId", "periodStart", "tenantId", "value")
        SELECT c."id", c.start, ${tenantId}, c."value" FROM crossed c
        ON CONFLICT DO NOTHING
        RETURNING "alertId"
      )
      SELECT c."id" AS "alertId", c."metric"::text AS "metric", c."threshold", c."period"::text AS "period", c."value"
        FROM fired f JOIN crossed c ON c."id" = f."alertId"`;
    for (const f of fired) await this.emit(tx, tenantId, f, f.period === 'day' ? day : month);
    return fired.length;
  }

  /**
   * For an alert being created or changed, in its transaction and before the alert's row is written: locks
   * the tenant's current row for `period` (creating it), marks the tenant as having alerts of that kind, and
   * answers the period's counters. Then write the alert and call `fireIfReached`.
   */
  async lockPeriod(tx: Tx, tenantId: string, kind: UsageAlertPeriod, now: number) {
    const period = periodOf(kind, now);
    const rows = await tx.$queryRaw<PeriodRow[]>`
      INSERT INTO "usage_periods" AS p ("tenantId", "period", "periodStart", "alerts")
      VALUES (${tenantId}, ${kind}::"UsagePeriodKind", ${period.start.toISOString()}::timestamp(3), true)
      ON CONFLICT ("tenantId", "period", "periodStart") DO UPDATE SET "alerts" = true
      RETURNING p."period"::text AS "period", p."viewerSeconds", p."egressBytes", p."ingestBytes", p."alerts"`;
    const row = rows[0];
    if (!row) throw new Error('usage period upsert returned no row');
    return { period, counters: counters(row) };
  }

  /** Fires `alert` for the locked period if its value has reached the threshold (once: the firing's key). */
  async fireIfReached(
    tx: Tx,
    tenantId: string,
    alert: {
      id: string;
      metric: UsageAlertMetric;
      threshold: number;
      period: UsageAlertPeriod;
      enabled: boolean;
    },
    locked: { period: Period; counters: UsageCounters },
  ): Promise<boolean> {
    const value = metricValue(alert.metric, locked.counters);
    if (!alert.enabled || value < alert.threshold) return false;
    const inserted = await tx.$executeRaw`
      INSERT INTO "usage_alert_firings" ("alertId", "periodStart", "tenantId", "value")
      VALUES (${alert.id}, ${locked.period.start.toISOString()}::timestamp(3), ${tenantId}, ${value}::float8)
      ON CONFLICT DO NOTHING`;
    if (inserted === 0) return false;
    await this.emit(tx, tenantId, { alertId: alert.id, ...alert, value }, locked.period);
    return true;
  }

  /** After the transaction that recorded or fired committed: wakes the webhook dispatcher. */
  committed(): void {
    this.webhooks.committed();
  }

  private emit(tx: Tx, tenantId: string, f: FiredRow, period: Period) {
    const data: UsageThresholdEventData = {
      alertId: f.alertId,
      metric: f.metric,
      threshold: f.threshold,
      period: f.period,
      periodStart: period.start.toISOString(),
      periodEnd: period.end.toISOString(),
      value: f.value,
    };
    return this.webhooks.event(tx, {
      tenantId,
      type: 'usage.threshold',
      subjectId: f.alertId,
      data: { ...data },
    });
  }
}
