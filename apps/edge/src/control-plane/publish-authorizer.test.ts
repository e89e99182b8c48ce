import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizePublishRequest, AuthorizePublishResponse } from '@tributary/contracts';
import { ControlPlaneError } from './api-client';
import { PublishAuthorizer } from './publish-authorizer';

const allowed: AuthorizePublishResponse = {
  allowed: true,
  tenantId: 't1',
  liveStreamId: 'ls1',
  playbackId: 'pb1',
  playbackPolicy: 'public',
  record: false,
  eventTitle: null,
  maxViewers: null,
  cacheTtlSeconds: 10,
};
const refused: AuthorizePublishResponse = {
  allowed: false,
  reason: 'unknown_key',
  message: 'Unknown stream key.',
  cacheTtlSeconds: 10,
};
const req = (streamKey = 'key-1'): AuthorizePublishRequest => ({
  streamKey,
  app: 'live',
  clientIp: '127.0.0.1',
});

/** The api side of the authoriser, answering from a script and counting calls. */
function scriptedApi(answer: () => AuthorizePublishResponse | Promise<AuthorizePublishResponse>) {
  const calls: AuthorizePublishRequest[] = [];
  return {
    calls,
    ask: async (r: AuthorizePublishRequest) => {
      calls.push(r);
      return answer();
    },
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function authorizer(
  ask: (r: AuthorizePublishRequest) => Promise<AuthorizePublishResponse>,
  clock: { t: number },
  over = {},
) {
  return new PublishAuthorizer({
    ask,
    maxCacheTtlSeconds: 30,
    staleIfErrorSeconds: 300,
    maxPending: 4,
    now: () => clock.t,
    ...over,
  });
}

describe('PublishAuthorizer', () => {
  it('coalesces concurrent requests for one key into one api call', async () => {
    const gate = deferred<AuthorizePublishResponse>();
    const api = scriptedApi(() => gate.promise);
    const auth = authorizer(api.ask, { t: 0 });
    const all = Promise.all(Array.from({ length: 20 }, () => auth.authorize(req())));
    gate.resolve(allowed);
    const decisions = await all;
    assert.equal(api.calls.length, 1);
    assert.ok(decisions.every((d) => d.allowed && d.source === 'api'));
  });

  it('serves answers from the cache until their TTL, then asks again', async () => {
    const clock = { t: 0 };
    const api = scriptedApi(() => allowed);
    const auth = authorizer(api.ask, clock);
    await auth.authorize(req());
    clock.t = 9_999;
    const cached = await auth.authorize(req());
    assert.equal(cached.allowed && cached.source, 'cache');
    assert.equal(api.calls.length, 1);
    clock.t = 10_000;
    const again = await auth.authorize(req());
    assert.equal(again.allowed && again.source, 'api');
    assert.equal(api.calls.length, 2);
  });

  it('caps the api TTL at the configured ceiling (what a missed feed event could cost at most)', async () => {
    const clock = { t: 0 };
    const api = scriptedApi(() => ({ ...allowed, cacheTtlSeconds: 3600 }));
    const auth = authorizer(api.ask, clock, { maxCacheTtlSeconds: 30 });
    await auth.authorize(req());
    clock.t = 30_000;
    await auth.authorize(req());
    assert.equal(api.calls.length, 2);
  });

  it('caches refusals, so a repeated wrong key does not reach the api every time', async () => {
    const api = scriptedApi(() => refused);
    const auth = authorizer(api.ask, { t: 0 });
    const first = await auth.authorize(req('bad'));
    const second = await auth.authorize(req('bad'));
    assert.deepEqual(first, { allowed: false, reason: 'unknown_key', message: 'Unknown stream key.' });
    assert.deepEqual(second, first);
    assert.equal(api.calls.length, 1);
  });

  it('fails closed for a key it has never seen when the api fails (docs/reliability.md: api-down-publish)', async () => {
    const api = scriptedApi(() => {
      throw new ControlPlaneError('unreachable', 'ECONNREFUSED');
    });
    const decision = await authorizer(api.ask, { t: 0 }).authorize(req());
    assert.equal(decision.allowed, false);
    assert.equal(!decision.allowed && decision.reason, 'control_plane_unavailable');
  });

  it('keeps allowing a recently allowed key while the api is down, within the stale window only', async () => {
    const clock = { t: 0 };
    let up = true;
    const api = scriptedApi(() => {
      if (up) return allowed;
      throw new ControlPlaneError('timeout', 'slow');
    });
    const auth = authorizer(api.ask, clock, { staleIfErrorSeconds: 60 });
    await auth.authorize(req());
    up = false;
    clock.t = 10_000 + 59_000;
    const stale = await auth.authorize(req());
    assert.equal(stale.allowed && stale.source, 'stale');
    clock.t = 10_000 + 61_000;
    assert.equal((await auth.authorize(req())).allowed, false);
  });

  it('never treats a cached refusal as stale-allowed when the api is down', async () => {
    const clock = { t: 0 };
    let up = true;
    const api = scriptedApi(() => {
      if (up) return refused;
      throw new ControlPlaneError('unreachable', 'down');
    });
    const auth = authorizer(api.ask, clock);
    await auth.authorize(req('bad'));
    up = false;
    clock.t = 11_000;
    const decision = await auth.authorize(req('bad'));
    assert.equal(!decision.allowed && decision.reason, 'control_plane_unavailable');
  });

  it('refuses at once beyond the pending limit instead of queueing (docs/reliability.md: api-down-publish)', async () => {
    const gate = deferred<AuthorizePublishResponse>();
    const api = scriptedApi(() => gate.promise);
    const auth = authorizer(api.ask, { t: 0 }, { maxPending: 2 });
    const waiting = [auth.authorize(req('a')), auth.authorize(req('b'))];
    const third = await auth.authorize(req('c'));
    assert.equal(!third.allowed && third.reason, 'overloaded');
    assert.equal(auth.pendingCount, 2);
    gate.resolve(allowed);
    await Promise.all(waiting);
    assert.equal(auth.pendingCount, 0);
    assert.equal(api.calls.length, 2);
  });

  it('forget() drops a cached answer', async () => {
    const api = scriptedApi(() => allowed);
    const auth = authorizer(api.ask, { t: 0 });
    await auth.authorize(req());
    auth.forget('live', 'key-1');
    await auth.authorize(req());
    assert.equal(api.calls.length, 2);
  });

  it('keys the cache by app and key together', async () => {
    const api = scriptedApi(() => allowed);
    const auth = authorizer(api.ask, { t: 0 });
    await auth.authorize(req());
    await auth.authorize({ ...req(), app: 'other' });
    assert.equal(api.calls.length, 2);
  });

  it('invalidate() drops the matching allows (stale window too) and every refusal, and nothing else', async () => {
    const answers = new Map<string, AuthorizePublishResponse>([
      ['revoked', { ...allowed, liveStreamId: 'ls-revoked' }],
      ['other', { ...allowed, liveStreamId: 'ls-other', playbackId: 'pb2' }],
      ['wrong', refused],
    ]);
    let down = false;
    const api = scriptedApi(() => {
      if (down) throw new ControlPlaneError('unreachable', 'down');
      return answers.get(api.calls.at(-1)?.streamKey ?? '') ?? refused;
    });
    const auth = authorizer(api.ask, { t: 0 });
    for (const key of ['revoked', 'other', 'wrong']) await auth.authorize(req(key));
    auth.invalidate((g) => g.liveStreamId === 'ls-revoked');
    down = true;
    const revoked = await auth.authorize(req('revoked'));
    assert.equal(!revoked.allowed && revoked.reason, 'control_plane_unavailable', 'no stale allow survives');
    assert.equal((await auth.authorize(req('other'))).allowed, true, 'other streams stay cached');
    assert.equal(
      (await auth.authorize(req('wrong'))).allowed,
      false,
      'the refusal was dropped: the api is asked (and is down)',
    );
    assert.equal(api.calls.length, 5);
  });

  it('asks again when a revocation arrives while the api is answering', async () => {
    const gate = deferred<AuthorizePublishResponse>();
    let first = true;
    const api = scriptedApi(() => {
      if (!first) return refused;
      first = false;
      return gate.promise;
    });
    const auth = authorizer(api.ask, { t: 0 });
    const pending = auth.authorize(req());
    auth.invalidate((g) => g.liveStreamId === 'ls1');
    gate.resolve(allowed);
    const decision = await pending;
    assert.equal(decision.allowed, false, 'the answer from before the revocation is not used');
    assert.equal(api.calls.length, 2);
  });
});
