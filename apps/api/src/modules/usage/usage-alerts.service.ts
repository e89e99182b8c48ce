import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateUsageAlertInput,
  ErrorCode,
  MAX_USAGE_ALERTS_PER_TENANT,
  type UpdateUsageAlertInput,
  type UsageAlert,
  type UsageAlertMetric,
  type UsageAlertPeriod,
} from '@tributary/contracts';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import { Database } from '../../database/database';
import { lockTenantRow } from '../../database/tenant-lock';
import { ownedByCurrentTenant } from '../../database/tenant-scope';
import type { UsageAlert as AlertRow, UsageAlertFiring, UsagePeriod } from '../../generated/prisma/client';
import { UsageMeter } from './usage-meter';
import { metricValue, periodOf } from './usage-periods';

/** Usage alerts over REST (issue 15); firing is UsageMeter's. */
@Injectable()
export class UsageAlertsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(UsageMeter) private readonly meter: UsageMeter,
  ) {}

  /** The alerts as resources: each with its current period's bounds, usage so far and firing (2 statements). */
  private async resources(rows: AlertRow[], now: number): Promise<UsageAlert[]> {
    if (rows.length === 0) return [];
    const day = periodOf('day', now);
    const month = periodOf('month', now);
    const [periods, firings] = await Promise.all([
      this.db.tenant().usagePeriod.findMany({
        where: {
          OR: [
            { period: 'day', periodStart: day.start },
            { period: 'month', periodStart: month.start },
          ],
        },
      }),
      this.db.tenant().usageAlertFiring.findMany({
        where: { alertId: { in: rows.map((r) => r.id) }, periodStart: { in: [day.start, month.start] } },
      }),
    ]);
    const usage = (kind: UsageAlertPeriod): UsagePeriod | undefined => periods.find((p) => p.period === kind);
    return rows.map((row) => {
      const period = row.period === 'day' ? day : month;
      const p = usage(row.period);
      const fired: UsageAlertFiring | undefined = firings.find(
        (f) => f.alertId === row.id && f.periodStart.getTime() === period.start.getTime(),
      );
      return {
        id: row.id,
        metric: row.metric,
        threshold: row.threshold,
        period: row.period,
        enabled: row.enabled,
        current: {
          periodStart: period.start.toISOString(),
          periodEnd: period.end.toISOString(),
          value: p
            ? metricValue(row.metric, {
                viewerSeconds: p.viewerSeconds,
                egressBytes: Number(p.egressBytes),
                ingestBytes: Number(p.ingestBytes),
              })
            : 0,
          firedAt: fired?.createdAt.toISOString() ?? null,
        },
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }

  private async find(id: string): Promise<AlertRow> {
    const row = await this.db.tenant().usageAlert.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('usage alert');
    return row;
  }

  async list(q: ListQuery, now = Date.now()) {
    const rows = await this.db.tenant().usageAlert.findMany(pageArgs(q));
    const page = toPage(rows, q, (r) => r);
    return { data: await this.resources(page.data, now), nextCursor: page.nextCursor };
  }

  async get(id: string, now = Date.now()): Promise<UsageAlert> {
    const [alert] = await this.resources([await this.find(id)], now);
    if (!alert) throw AppError.notFound('usage alert');
    return alert;
  }

  /**
   * One transaction: the tenant's row locked (concurrent creates count each other for the quota), the
   * period's row locked (UsageMeter.lockPeriod), the alert written, and fired at once when the period has
   * already reached it. The tenant-scoped client runs each operation on its own, so this is the unscoped one
   * with the request's tenant named in every statement.
   */
  async create(input: CreateUsageAlertInput, now = Date.now()): Promise<UsageAlert> {
    const { tenantId } = ownedByCurrentTenant({});
    const id = newId(IdPrefix.usageAlert);
    const fired = await this.db
      .unscoped('usage alert with its period lock and first evaluation')
      .$transaction(async (tx) => {
        // Concurrent creates queue here; a session report's foreign-key checks on the tenant do not.
        await lockTenantRow(tx, tenantId);
        const count = await tx.usageAlert.count({ where: { tenantId } });
        if (count >= MAX_USAGE_ALERTS_PER_TENANT)
          throw new AppError(
            ErrorCode.quotaExceeded,
            `at most ${MAX_USAGE_ALERTS_PER_TENANT} usage alerts per tenant`,
            [{ field: 'usageAlerts', message: `limit ${MAX_USAGE_ALERTS_PER_TENANT}, count ${count}` }],
          );
        const period = input.period as UsageAlertPeriod;
        const locked = await this.meter.lockPeriod(tx, tenantId, period, now);
        const row = await tx.usageAlert.create({
          data: {
            id,
            tenantId,
            metric: input.metric as UsageAlertMetric,
            threshold: input.threshold,
            period,
            enabled: input.enabled ?? true,
          },
        });
        return this.meter.fireIfReached(tx, tenantId, row, locked);
      });
    if (fired) this.meter.committed();
    return this.get(id, now);
  }

  /** A threshold change or enabling fires at once if the period has reached it (and it has not fired in it). */
  async update(id: string, input: UpdateUsageAlertInput, now = Date.now()): Promise<UsageAlert> {
    const existing = await this.find(id);
    const fired = await this.db
      .unscoped('usage alert change with its period lock and evaluation')
      .$transaction(async (tx) => {
        const locked = await this.meter.lockPeriod(tx, existing.tenantId, existing.period, now);
        const rows = await tx.usageAlert.updateManyAndReturn({
          where: { id, tenantId: existing.tenantId },
          data: {
            ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          },
        });
        const row = rows[0];
        if (!row) throw AppError.notFound('usage alert');
        return this.meter.fireIfReached(tx, existing.tenantId, row, locked);
      });
    if (fired) this.meter.committed();
    return this.get(id, now);
  }

  async remove(id: string): Promise<void> {
    const { count } = await this.db.tenant().usageAlert.deleteMany({ where: { id } });
    if (count === 0) throw AppError.notFound('usage alert');
  }
}
