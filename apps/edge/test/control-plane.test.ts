import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApiClient, ControlPlaneError } from '../src/control-plane/api-client';
import { PlaybackKeyStore } from '../src/control-plane/playback-keys';
import { PublishAuthorizer } from '../src/control-plane/publish-authorizer';
import { FakeControlPlane } from './support/fake-control-plane';

/** Short enough to keep the suite quick; the production bound is API_TIMEOUT_MS ≤ 5 s. */
const TEST_TIMEOUT_MS = 400;

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ControlPlaneError, `expected a ControlPlaneError, got ${String(err)}`);
    return err.failure;
  }
  assert.fail('expected the call to fail');
}

describe('api client against a contract-faithful fake api (docs/reliability.md: api-down-publish, api-down-play)', {
  timeout: 30_000,
}, () => {
  const api = new FakeControlPlane();
  let client: ApiClient;
  let url: string;

  before(async () => {
    url = await api.start();
    client = new ApiClient({
      baseUrl: url,
      token: api.credential,
      timeoutMs: TEST_TIMEOUT_MS,
      maxResponseBytes: 64 * 1024,
    });
  });
  after(async () => {
    client.close();
    await api.stop();
  });
  beforeEach(() => {
    api.fault = { kind: 'none' };
  });

  it('authorises a known key with the bearer credential and validates the answer', async () => {
    api.allow('good-key', { eventTitle: 'Launch day' });
    const answer = await client.authorizePublish({
      streamKey: 'good-key',
      app: 'live',
      clientIp: '127.0.0.1',
    });
    assert.equal(answer.allowed && answer.eventTitle, 'Launch day');
    assert.deepEqual(api.calls.authorize.at(-1), {
      streamKey: 'good-key',
      app: 'live',
      clientIp: '127.0.0.1',
    });
  });

  it('reports sessions, stats, ends and heartbeats on the contract paths', async () => {
    const sessionId = await client.startSession({
      liveStreamId: 'ls1',
      clientIp: '127.0.0.1',
      video: null,
      audio: null,
    });
    await client.reportStats(sessionId, {
      viewers: 1,
      bitrateKbps: 10,
      bytesInDelta: 1,
      bytesOutDelta: 2,
      viewerSecondsDelta: 3,
    });
    await client.endSession(sessionId, {
      reason: 'done',
      bytesInDelta: 0,
      bytesOutDelta: 0,
      viewerSecondsDelta: 0,
    });
    const beat = await client.heartbeat({
      version: 't',
      connections: 0,
      publishers: 0,
      viewers: 0,
      bytesInTotal: 0,
      bytesOutTotal: 0,
    });
    assert.equal(beat.edgeId, 'edge-1');
    assert.equal(api.calls.stats.at(-1)?.sessionId, sessionId);
    assert.equal(api.calls.ends.at(-1)?.body.reason, 'done');
  });

  it('gives up on a 5 s answer at its own deadline', async () => {
    api.fault = { kind: 'slow', delayMs: 5000 };
    assert.equal(
      await failureOf(client.authorizePublish({ streamKey: 'k', app: 'live', clientIp: 'x' })),
      'timeout',
    );
  });

  it('refuses a 5 MB answer without buffering it', async () => {
    api.fault = { kind: 'huge', bytes: 5 * 1024 * 1024 };
    assert.equal(
      await failureOf(client.authorizePublish({ streamKey: 'k', app: 'live', clientIp: 'x' })),
      'too_large',
    );
  });

  it('refuses invalid JSON and answers that do not match the contract', async () => {
    api.fault = { kind: 'invalid-json' };
    assert.equal(await failureOf(client.playbackKeys()), 'invalid_response');
    api.fault = { kind: 'wrong-shape' };
    assert.equal(
      await failureOf(client.authorizePublish({ streamKey: 'k', app: 'live', clientIp: 'x' })),
      'invalid_response',
    );
    assert.equal(await failureOf(client.playbackKeys()), 'invalid_response');
  });

  it('treats an error status as a failure, and a wrong credential as one too', async () => {
    api.fault = { kind: 'status', status: 503 };
    assert.equal(await failureOf(client.playbackKeys()), 'http_status');
    api.fault = { kind: 'none' };
    const stranger = new ApiClient({
      baseUrl: url,
      token: 'wrong-credential',
      timeoutMs: TEST_TIMEOUT_MS,
      maxResponseBytes: 1024,
    });
    assert.equal(await failureOf(stranger.playbackKeys()), 'http_status');
    stranger.close();
  });

  it('reports an api that is not listening as unreachable', async () => {
    const down = new FakeControlPlane();
    const downUrl = await down.start();
    await down.stop();
    const client2 = new ApiClient({
      baseUrl: downUrl,
      token: 'x'.repeat(10),
      timeoutMs: TEST_TIMEOUT_MS,
      maxResponseBytes: 1024,
    });
    assert.equal(await failureOf(client2.playbackKeys()), 'unreachable');
    client2.close();
  });

  it('denies publishing when the api answers slowly, hugely or invalidly (fail closed)', async () => {
    const auth = new PublishAuthorizer({
      ask: (r) => client.authorizePublish(r),
      maxCacheTtlSeconds: 0,
      staleIfErrorSeconds: 0,
      maxPending: 8,
    });
    api.allow('good-key');
    for (const fault of [
      { kind: 'slow', delayMs: 5000 },
      { kind: 'huge', bytes: 5 * 1024 * 1024 },
      { kind: 'invalid-json' },
    ] as const) {
      api.fault = fault;
      const decision = await auth.authorize({ streamKey: 'good-key', app: 'live', clientIp: '127.0.0.1' });
      assert.equal(!decision.allowed && decision.reason, 'control_plane_unavailable', fault.kind);
    }
  });
});

describe('playback key store over the api', { timeout: 30_000 }, () => {
  const api = new FakeControlPlane();
  let client: ApiClient;
  let store: PlaybackKeyStore;

  before(async () => {
    const url = await api.start();
    client = new ApiClient({
      baseUrl: url,
      token: api.credential,
      timeoutMs: TEST_TIMEOUT_MS,
      maxResponseBytes: 64 * 1024,
    });
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
    api.playbackKeys = [{ kid: 'k1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }];
    store = new PlaybackKeyStore({
      fetchPage: (after) => client.playbackKeys(after),
      fetchOne: (kid) => client.playbackKey(kid),
    });
  });
  after(async () => {
    client.close();
    await api.stop();
  });

  it('loads the keys and keeps them while the api fails', async () => {
    assert.equal(await store.sync(), true);
    assert.equal(store.lookup('k1')?.tenantId, null);
    api.fault = { kind: 'status', status: 500 };
    assert.equal(await store.sync(), false);
    assert.ok(store.lookup('k1'), 'the last known keys stay in use');
    api.fault = { kind: 'none' };
  });

  it('looks an unknown kid up once, then remembers that the api does not know it', async () => {
    const before = api.calls.playbackKeys;
    assert.equal(await store.resolve('new-kid'), undefined);
    assert.equal(await store.resolve('new-kid'), undefined);
    assert.equal(api.calls.playbackKeys - before, 1);
  });

  it('finds a key created after the sync by its kid, and drops a revoked one at once', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
    api.playbackKeys.push({ kid: 'k2', tenantId: 't2', jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
    assert.equal((await store.resolve('k2'))?.tenantId, 't2');
    store.forget('k2');
    assert.equal(await store.resolve('k2'), undefined, 'a revoked kid is not asked about again');
    await store.learn('k2');
    assert.equal(
      store.lookup('k2')?.tenantId,
      't2',
      'the feed saying it was created clears the negative entry',
    );
  });
});
