import { Inject, Injectable } from '@nestjs/common';
import type { UsageQuerySchema, UsageResponse } from '@tributary/contracts';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../common/errors';
import { Database } from '../../database/database';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Default windows: the last day by hour, the last 30 days by day. Longest window: 400 days (bounded response). */
const DEFAULT_SPAN_MS = { hour: DAY_MS, day: 30 * DAY_MS } as const;
const MAX_SPAN_MS = 400 * DAY_MS;

@Injectable()
export class UsageService {
  constructor(@Inject(Database) private readonly db: Database) {}

  async usage(q: z.infer<typeof UsageQuerySchema>, now = Date.now()): Promise<UsageResponse> {
    const to = q.to ? new Date(q.to) : new Date(now);
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_SPAN_MS[q.granularity]);
    if (to.getTime() - from.getTime() > MAX_SPAN_MS || to < from) {
      throw new AppError(ErrorCode.validationFailed, 'invalid usage window', [
        { field: 'from', message: 'from must precede to by at most 400 days' },
      ]);
    }
    const rows = await this.db.tenant().usageHour.findMany({
      where: { periodStart: { gte: new Date(from.getTime() - (from.getTime() % HOUR_MS)), lt: to } },
      orderBy: { periodStart: 'asc' },
    });
    const unit = q.granularity === 'hour' ? HOUR_MS : DAY_MS;
    const buckets = new Map<number, { viewerSeconds: number; egress: bigint; ingest: bigint }>();
    for (const r of rows) {
      const start = r.periodStart.getTime() - (r.periodStart.getTime() % unit);
      const b = buckets.get(start) ?? { viewerSeconds: 0, egress: 0n, ingest: 0n };
      b.viewerSeconds += r.viewerSeconds;
      b.egress += r.egressBytes;
      b.ingest += r.ingestBytes;
      buckets.set(start, b);
    }
    return {
      granularity: q.granularity,
      data: [...buckets.entries()].map(([start, b]) => ({
        periodStart: new Date(start).toISOString(),
        viewerMinutes: b.viewerSeconds / 60,
        egressBytes: Number(b.egress),
        ingestBytes: Number(b.ingest),
      })),
    };
  }
}
