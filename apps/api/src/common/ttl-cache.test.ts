import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlCache } from './ttl-cache';

function clockAt(start: number) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

test('an entry is served until its TTL has passed, then forgotten', () => {
  const clock = clockAt(1_000);
  const cache = new TtlCache<string, number>(500, 10, clock.read);
  cache.set('a', 1);
  clock.now = 1_499;
  assert.equal(cache.get('a'), 1);
  clock.now = 1_500;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0);
});

test('reading an entry does not extend its life', () => {
  const clock = clockAt(0);
  const cache = new TtlCache<string, number>(100, 10, clock.read);
  cache.set('a', 1);
  for (clock.now = 10; clock.now < 100; clock.now += 10) assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('a'), undefined);
});

test('when full, the oldest write is evicted', () => {
  const cache = new TtlCache<string, number>(1_000, 2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('a', 3);
  cache.set('c', 4);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 3);
  assert.equal(cache.get('c'), 4);
  assert.equal(cache.size, 2);
});

test('getOrLoad loads once per TTL', async () => {
  const clock = clockAt(0);
  const cache = new TtlCache<string, number>(100, 10, clock.read);
  let loads = 0;
  const load = async () => ++loads;
  assert.equal(await cache.getOrLoad('k', load), 1);
  clock.now = 99;
  assert.equal(await cache.getOrLoad('k', load), 1);
  clock.now = 100;
  assert.equal(await cache.getOrLoad('k', load), 2);
});

test('deleteWhere and clear evict at once', () => {
  const cache = new TtlCache<string, { edgeId: string }>(1_000, 10);
  cache.set('x', { edgeId: 'e1' });
  cache.set('y', { edgeId: 'e2' });
  cache.deleteWhere((v) => v.edgeId === 'e1');
  assert.equal(cache.get('x'), undefined);
  assert.deepEqual(cache.get('y'), { edgeId: 'e2' });
  cache.clear();
  assert.equal(cache.size, 0);
});
