import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockCache, type FileKey } from './block-cache';

const file = (bytes: Buffer, assetId = 'ast_1'): FileKey => ({
  assetId,
  playbackId: 'p',
  size: bytes.length,
});

function origin(bytes: Buffer) {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    fetch: async (_f: FileKey, offset: number, length: number) => {
      calls.push([offset, length]);
      await new Promise((r) => setImmediate(r));
      return Buffer.from(bytes.subarray(offset, offset + length));
    },
  };
}

const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

test('reads across blocks return the exact bytes; each block is fetched once', async () => {
  const o = origin(data);
  const cache = new BlockCache({ maxBytes: 10_000, blockBytes: 100, fetch: o.fetch });
  const f = file(data);
  assert.deepEqual(await cache.read(f, 150, 300), data.subarray(150, 450));
  assert.deepEqual(await cache.read(f, 990, 500), data.subarray(990), 'short only at the end');
  assert.deepEqual(await cache.read(f, 2000, 5), Buffer.alloc(0));
  assert.deepEqual(await cache.read(f, 160, 10), data.subarray(160, 170));
  assert.deepEqual(o.calls, [
    [100, 100],
    [200, 100],
    [300, 100],
    [400, 100],
    [900, 100],
  ]);
  assert.equal(cache.stats.misses, 5);
  assert.equal(cache.stats.bytesFetched, 500);
});

test('concurrent readers of a missing block share one fetch', async () => {
  const o = origin(data);
  const cache = new BlockCache({ maxBytes: 10_000, blockBytes: 100, fetch: o.fetch });
  const f = file(data);
  const reads = await Promise.all([cache.read(f, 0, 50), cache.read(f, 10, 50), cache.read(f, 20, 50)]);
  assert.deepEqual(reads[2], data.subarray(20, 70));
  assert.equal(o.calls.length, 1);
});

test('the cache holds at most maxBytes, dropping the least recently used block', async () => {
  const o = origin(data);
  const cache = new BlockCache({ maxBytes: 300, blockBytes: 100, fetch: o.fetch });
  const f = file(data);
  for (const at of [0, 100, 200]) await cache.read(f, at, 1);
  await cache.read(f, 0, 1); // block 0 is now the most recent
  await cache.read(f, 300, 1); // evicts block 1
  assert.equal(cache.bytes, 300);
  o.calls.length = 0;
  await cache.read(f, 0, 1);
  assert.equal(o.calls.length, 0, 'block 0 was kept');
  await cache.read(f, 100, 1);
  assert.deepEqual(o.calls, [[100, 100]], 'block 1 was dropped');
});

test('a failed fetch is not cached, and a short answer from the origin is an error', async () => {
  let fail = true;
  const cache = new BlockCache({
    maxBytes: 1000,
    blockBytes: 100,
    fetch: async (_f, offset, length) => {
      if (fail) throw new Error('api down');
      return data.subarray(offset, offset + length - 1);
    },
  });
  const f = file(data);
  await assert.rejects(cache.read(f, 0, 10), /api down/);
  fail = false;
  await assert.rejects(cache.read(f, 0, 10), /expected 100/);
  assert.equal(cache.bytes, 0);
});
