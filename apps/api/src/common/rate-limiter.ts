import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { RateCounter, WINDOW_MS } from './rate-counter';

/**
 * The api's rate limits (per API key, per login IP, per tenant's token mints),
 * counted in Postgres so every instance shares the same budget, with writes
 * batched per bucket by RateCounter.
 */
@Injectable()
export class RateLimiter {
  private readonly counter: RateCounter;

  constructor(@Inject(Database) private readonly db: Database) {
    this.counter = new RateCounter(async (bucket, windowStart, hits) => {
      const rows = await this.db.unscoped('rate-limit counters').$queryRaw<{ count: number }[]>`
        INSERT INTO "rate_limit_windows" ("bucket", "windowStart", "count") VALUES (${bucket}, ${windowStart}, ${hits})
        ON CONFLICT ("bucket", "windowStart") DO UPDATE SET "count" = "rate_limit_windows"."count" + ${hits}
        RETURNING "count"`;
      return Number(rows[0]?.count ?? 0);
    });
  }

  /** Counts one hit on `bucket`; throws rate_limited (429 + Retry-After) past `perMinute`. */
  hit(bucket: string, perMinute: number, now = Date.now()): Promise<void> {
    return this.counter.hit(bucket, perMinute, now);
  }

  /** Drops finished windows, here and in Postgres (called by the maintenance timer). */
  async prune(now = Date.now()): Promise<void> {
    this.counter.forgetBefore(now);
    await this.db.unscoped('rate-limit pruning').rateLimitWindow.deleteMany({
      where: { windowStart: { lt: new Date(now - 2 * WINDOW_MS) } },
    });
  }
}
