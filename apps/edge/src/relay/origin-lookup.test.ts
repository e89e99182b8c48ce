import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamOriginResponse } from '@tributary/contracts';
import { OriginLookup, OriginLookupBusy } from './origin-lookup';

/** An api whose answers the test releases by hand, counting the calls per id. */
function manualApi() {
  const calls: string[] = [];
  const waiting: Array<() => void> = [];
  const ask = (id: string) => {
    calls.push(id);
    return new Promise<StreamOriginResponse>((resolve) => waiting.push(() => resolve({ live: false })));
  };
  const releaseAll = async () => {
    for (const release of waiting.splice(0)) release();
    await new Promise((r) => setImmediate(r));
  };
  return { calls, ask, releaseAll };
}

describe('OriginLookup', () => {
  it('asks once per id at a time (single flight) and reuses the answer for cacheMs', async () => {
    const clock = { t: 0 };
    const api = manualApi();
    const lookup = new OriginLookup({ ask: api.ask, cacheMs: 1000, maxInFlight: 4, now: () => clock.t });
    const both = Promise.all([lookup.lookup('pb1'), lookup.lookup('pb1')]);
    assert.deepEqual(api.calls, ['pb1']);
    await api.releaseAll();
    assert.deepEqual(await both, [{ live: false }, { live: false }]);
    await lookup.lookup('pb1');
    assert.equal(api.calls.length, 1, 'cached');
    clock.t = 1001;
    const again = lookup.lookup('pb1');
    await api.releaseAll();
    await again;
    assert.equal(api.calls.length, 2, 'asked again once the answer is old');
    const fresh = lookup.lookup('pb1', { fresh: true });
    await api.releaseAll();
    await fresh;
    assert.equal(api.calls.length, 3, 'fresh skips the cache');
  });

  it('bounds the ids in flight: past maxInFlight a lookup fails at once', async () => {
    const api = manualApi();
    const lookup = new OriginLookup({ ask: api.ask, cacheMs: 1000, maxInFlight: 2 });
    const first = [lookup.lookup('a'), lookup.lookup('b')];
    await assert.rejects(lookup.lookup('c'), OriginLookupBusy);
    assert.equal(lookup.pending, 2);
    await api.releaseAll();
    await Promise.all(first);
    assert.equal(lookup.pending, 0);
    const later = lookup.lookup('c');
    await api.releaseAll();
    assert.deepEqual(await later, { live: false });
  });

  it('keeps at most maxCached answers (invented ids cannot grow it)', async () => {
    const api = manualApi();
    const lookup = new OriginLookup({ ask: api.ask, cacheMs: 60_000, maxInFlight: 10, maxCached: 2 });
    for (const id of ['a', 'b', 'c']) {
      const p = lookup.lookup(id);
      await api.releaseAll();
      await p;
    }
    const p = lookup.lookup('a');
    await api.releaseAll();
    await p;
    assert.equal(api.calls.filter((c) => c === 'a').length, 2, "'a' was dropped from the cache");
  });

  it('a failed call is not cached and frees its slot', async () => {
    let n = 0;
    const lookup = new OriginLookup({
      ask: async () => {
        n += 1;
        if (n === 1) throw new Error('api down');
        return { live: false };
      },
      cacheMs: 60_000,
      maxInFlight: 1,
    });
    await assert.rejects(lookup.lookup('a'), /api down/);
    assert.deepEqual(await lookup.lookup('a'), { live: false });
  });
});
