import { AppError, ErrorCode } from './errors';

/** Fixed one-minute windows: simple, and Retry-After is exact. */
export const WINDOW_MS = 60_000;
/**
 * While a bucket is far from its limit, an instance writes its hits to the
 * shared counter at most this often and counts the rest in memory; the next
 * write carries them. Other instances then see this instance's hits up to this
 * much late, which only matters near the limit, where every hit is written.
 */
export const SYNC_INTERVAL_MS = 1_000;
/**
 * Past this fraction of the limit (as far as this instance knows) every hit is
 * written and checked against the shared total, so the limit is enforced
 * exactly except for the other instances' last SYNC_INTERVAL_MS of hits.
 */
export const EXACT_FRACTION = 0.5;

/** Adds `hits` to the shared counter of (bucket, window) and returns its new total. */
export type SharedCounterStore = (bucket: string, windowStart: Date, hits: number) => Promise<number>;

interface BucketWindow {
  start: number;
  /** The shared total at the last write (a lower bound: other instances only add). */
  shared: number;
  /** Hits admitted here and not yet written. */
  pending: number;
  lastWriteAt: number;
}

/**
 * Per-minute request counters shared by every api instance through a store
 * (Postgres in production), without a write per request: a bucket well under
 * its limit costs one write per second per instance (docs/reliability.md: rate-limits-and-caps still
 * holds: counted across instances, exact near the limit).
 */
export class RateCounter {
  private readonly windows = new Map<string, BucketWindow>();

  constructor(private readonly store: SharedCounterStore) {}

  /** Counts one hit on `bucket`; throws rate_limited (429 + Retry-After) past `perMinute`. */
  async hit(bucket: string, perMinute: number, now = Date.now()): Promise<void> {
    const start = now - (now % WINDOW_MS);
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) {
      w = { start, shared: 0, pending: 0, lastWriteAt: Number.NEGATIVE_INFINITY };
      this.windows.set(bucket, w);
    }
    const known = w.shared + w.pending + 1;
    // The shared total never shrinks within a window, so this is already over without asking.
    if (known > perMinute) throw limited(perMinute, start, now);
    if (now - w.lastWriteAt < SYNC_INTERVAL_MS && known <= perMinute * EXACT_FRACTION) {
      w.pending++;
      return;
    }
    const hits = w.pending + 1;
    w.pending = 0;
    // Claimed before the await, so concurrent hits on this bucket batch behind this write.
    w.lastWriteAt = now;
    let total: number;
    try {
      total = await this.store(bucket, new Date(start), hits);
    } catch (err) {
      // This request fails (database unreachable → 503); the hits it carried for others stay pending.
      w.pending += hits - 1;
      throw err;
    }
    w.shared = Math.max(w.shared, total);
    if (total > perMinute) throw limited(perMinute, start, now);
  }

  /** Forgets finished windows (their unwritten hits no longer matter). */
  forgetBefore(now: number): void {
    const current = now - (now % WINDOW_MS);
    for (const [bucket, w] of this.windows) if (w.start < current) this.windows.delete(bucket);
  }
}

function limited(perMinute: number, windowStart: number, now: number): AppError {
  const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
  return new AppError(
    ErrorCode.rateLimited,
    `rate limit of ${perMinute} requests per minute exceeded; retry in ${retryAfter} s`,
    undefined,
    { 'Retry-After': String(retryAfter) },
  );
}
