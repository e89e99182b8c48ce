import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EdgeAsset } from '@tributary/contracts';
import type { MediaFileIndex } from '@tributary/media';
import { AssetLookups, IndexCache, type IndexedAsset } from './vod-caches';

const asset = (playbackId: string): EdgeAsset => ({
  assetId: `ast_${playbackId}`,
  tenantId: 'ten_1',
  playbackId,
  playbackPolicy: 'public',
  status: 'ready',
  sizeBytes: 100,
  updatedAt: '2026-12-06T00:00:00.000Z',
});

function lookups(opts: { known?: Set<string>; maxEntries?: number } = {}) {
  let now = 0;
  let down = false;
  const calls: string[] = [];
  const cache = new AssetLookups({
    ttlMs: 5000,
    staleIfErrorMs: 60_000,
    maxEntries: opts.maxEntries ?? 100,
    now: () => now,
    lookup: async (id) => {
      calls.push(id);
      await new Promise((r) => setImmediate(r));
      if (down) throw new Error('api down');
      return opts.known && !opts.known.has(id) ? undefined : asset(id);
    },
  });
  return {
    cache,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
    setDown: (d: boolean) => {
      down = d;
    },
  };
}

test('lookups: one call per id per TTL, shared while in flight, unknown ids kept too', async () => {
  const l = lookups({ known: new Set(['a']) });
  const [x, y] = await Promise.all([l.cache.get('a'), l.cache.get('a')]);
  assert.equal(x?.playbackId, 'a');
  assert.equal(y, x);
  assert.equal(await l.cache.get('nope'), undefined);
  assert.equal(await l.cache.get('nope'), undefined);
  assert.deepEqual(l.calls, ['a', 'nope']);
  l.advance(5000);
  await l.cache.get('a');
  assert.deepEqual(l.calls, ['a', 'nope', 'a'], 'asked again after the TTL');
});

test('lookups: with the api down the last answer serves within the stale window, then the failure shows', async () => {
  const l = lookups();
  await l.cache.get('a');
  l.setDown(true);
  l.advance(6000);
  assert.equal((await l.cache.get('a'))?.playbackId, 'a', 'stale answer while the api is down');
  await assert.rejects(l.cache.get('b'), /api down/, 'nothing to fall back on');
  await assert.rejects(l.cache.get('b'), /api down/, 'a failure is not kept as an answer');
  l.advance(60_000);
  await assert.rejects(l.cache.get('a'), /api down/, 'past the stale window');
  l.setDown(false);
  assert.equal((await l.cache.get('a'))?.playbackId, 'a');
});

test('lookups: at most maxEntries ids are held, oldest first', async () => {
  const l = lookups({ maxEntries: 3 });
  for (const id of ['a', 'b', 'c', 'd']) await l.cache.get(id);
  assert.equal(l.cache.size, 3);
  await l.cache.get('a');
  assert.deepEqual(l.calls, ['a', 'b', 'c', 'd', 'a'], 'a was dropped and asked again');
});

const indexed = (samples: number): IndexedAsset => ({
  index: { samples: { count: samples } } as unknown as MediaFileIndex,
  segments: [],
});

test('indexes: built once (shared while building), bounded by files and by samples, LRU', async () => {
  const cache = new IndexCache({ maxEntries: 3, maxSamples: 1000 });
  let builds = 0;
  const build = (samples: number) => async () => {
    builds++;
    await new Promise((r) => setImmediate(r));
    return indexed(samples);
  };
  const [a1, a2] = await Promise.all([cache.get('a', build(100)), cache.get('a', build(100))]);
  assert.equal(a1, a2);
  assert.equal(builds, 1);
  await cache.get('b', build(100));
  await cache.get('c', build(100));
  await cache.get('a', build(100)); // a is now the most recent
  await cache.get('d', build(100)); // past 3 files: b goes
  assert.equal(cache.size, 3);
  assert.equal(cache.samples, 300);
  builds = 0;
  await cache.get('a', build(100));
  assert.equal(builds, 0, 'a kept');
  await cache.get('b', build(100));
  assert.equal(builds, 1, 'b was dropped');
  // One big file pushes out the others by samples, but is itself kept.
  await cache.get('big', build(900));
  assert.ok(cache.samples <= 1000, `${cache.samples} samples held`);
  builds = 0;
  await cache.get('big', build(900));
  assert.equal(builds, 0);
});

test('indexes: a failed build is not kept', async () => {
  const cache = new IndexCache({ maxEntries: 3, maxSamples: 1000 });
  await assert.rejects(
    cache.get('a', async () => {
      throw new Error('unplayable');
    }),
    /unplayable/,
  );
  assert.equal(cache.size, 0);
  assert.equal((await cache.get('a', async () => indexed(5))).index.samples.count, 5);
});
