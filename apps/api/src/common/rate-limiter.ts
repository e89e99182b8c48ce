import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { AppError, ErrorCode } from './errors';

/** Fixed one-minute windows: simple, and Retry-After is exact. */
const WINDOW_MS = 60_000;

/**
 * Request counters kept in Postgres so every api instance counts against the
 * same budget (RELIABILITY T10: "counted across instances"). One upsert per
 * counted request.
 */
@Injectable()
export class RateLimiter {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Counts one hit on `bucket`; throws rate_limited (429 + Retry-After) past `perMinute`. */
  async hit(bucket: string, perMinute: number, now = Date.now()): Promise<void> {
    const windowStart = new Date(now - (now % WINDOW_MS));
    const rows = await this.db.unscoped('rate-limit counters').$queryRaw<{ count: number }[]>`
      INSERT INTO "rate_limit_windows" ("bucket", "windowStart", "count") VALUES (${bucket}, ${windowStart}, 1)
      ON CONFLICT ("bucket", "windowStart") DO UPDATE SET "count" = "rate_limit_windows"."count" + 1
      RETURNING "count"`;
    const count = Number(rows[0]?.count ?? 0);
    if (count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000));
      throw new AppError(
        ErrorCode.rateLimited,
        `rate limit of ${perMinute} requests per minute exceeded; retry in ${retryAfter} s`,
        undefined,
        {
          'Retry-After': String(retryAfter),
        },
      );
    }
  }

  /** Drops finished windows (called by the maintenance timer). */
  async prune(now = Date.now()): Promise<void> {
    await this.db.unscoped('rate-limit pruning').rateLimitWindow.deleteMany({
      where: { windowStart: { lt: new Date(now - 2 * WINDOW_MS) } },
    });
  }
}
