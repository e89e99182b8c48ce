import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AppError } from './errors';
import {
  EXACT_FRACTION,
  RateCounter,
  type SharedCounterStore,
  SYNC_INTERVAL_MS,
  WINDOW_MS,
} from './rate-counter';

/** The shared counter every instance writes to (Postgres in production), counting its writes. */
function sharedStore() {
  const totals = new Map<string, number>();
  const s = {
    writes: 0,
    totals,
    add: (async (bucket, windowStart, hits) => {
      s.writes++;
      const key = `${bucket}@${windowStart.getTime()}`;
      const total = (totals.get(key) ?? 0) + hits;
      totals.set(key, total);
      return total;
    }) as SharedCounterStore,
  };
  return s;
}

/** Resolves to true when the hit is admitted, false on rate_limited. */
async function admitted(counter: RateCounter, perMinute: number, now: number): Promise<boolean> {
  try {
    await counter.hit('key', perMinute, now);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'rate_limited') return false;
    throw err;
  }
}

const T0 = 100 * WINDOW_MS;

test('far under the limit, an instance writes at most once per sync interval and carries the rest', async () => {
  const store = sharedStore();
  const counter = new RateCounter(store.add);
  for (let i = 0; i < 100; i++) assert.equal(await admitted(counter, 1_000_000, T0 + i), true);
  assert.equal(store.writes, 1);
  assert.equal(await admitted(counter, 1_000_000, T0 + SYNC_INTERVAL_MS), true);
  assert.equal(store.writes, 2);
  assert.equal(store.totals.get(`key@${T0}`), 101);
});

test('two instances share one limit, as docs/reliability.md: rate-limits-and-caps asks, and answer 429 with Retry-After', async () => {
  const store = sharedStore();
  const instances = [new RateCounter(store.add), new RateCounter(store.add)];
  const limit = 6;
  const results: boolean[] = [];
  for (let i = 0; i < limit + 2; i++) {
    results.push(await admitted(instances[i % 2] as RateCounter, limit, T0 + i));
  }
  assert.deepEqual(results, [...Array(limit).fill(true), false, false]);
  await assert.rejects(instances[0]?.hit('key', limit, T0 + 20_500) ?? Promise.resolve(), (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.headers?.['Retry-After'], '40');
    return true;
  });
});

test('a new window starts a new count', async () => {
  const store = sharedStore();
  const counter = new RateCounter(store.add);
  for (let i = 0; i < 3; i++) await admitted(counter, 3, T0 + i);
  assert.equal(await admitted(counter, 3, T0 + 10), false);
  assert.equal(await admitted(counter, 3, T0 + WINDOW_MS), true);
});

test('hits carried by a failed write stay pending for the next one', async () => {
  const store = sharedStore();
  let fail = false;
  const counter = new RateCounter(async (bucket, windowStart, hits) => {
    if (fail) throw new Error('database unreachable');
    return store.add(bucket, windowStart, hits);
  });
  await counter.hit('key', 1_000, T0);
  for (let i = 1; i <= 5; i++) await counter.hit('key', 1_000, T0 + i);
  fail = true;
  await assert.rejects(counter.hit('key', 1_000, T0 + SYNC_INTERVAL_MS), /unreachable/);
  fail = false;
  await counter.hit('key', 1_000, T0 + 2 * SYNC_INTERVAL_MS);
  assert.equal(store.totals.get(`key@${T0}`), 7);
});

test('one instance enforces the limit exactly; several overshoot by at most their unwritten share', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 400 })), { maxLength: 300 }),
      async (limit, instanceCount, hits) => {
        const store = sharedStore();
        const instances = Array.from({ length: instanceCount }, () => new RateCounter(store.add));
        let now = T0;
        let granted = 0;
        for (const [which, step] of hits) {
          // Stay inside one window: the limit is per window.
          now = Math.min(now + step, T0 + WINDOW_MS - 1);
          if (await admitted(instances[which % instanceCount] as RateCounter, limit, now)) granted++;
        }
        const bound = limit + (instanceCount - 1) * Math.floor(limit * EXACT_FRACTION);
        assert.ok(granted <= bound, `${granted} admitted, bound ${bound}`);
        if (instanceCount === 1) assert.equal(granted, Math.min(limit, hits.length));
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});
