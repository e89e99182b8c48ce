import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EdgeApiPaths } from '@tributary/contracts';
import { OPERATOR } from './support/api';
import { type ChildApi, startMain } from './support/child-api';
import { createTestDatabase } from './support/database';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * `npm start` as operators run it (main.js, the embedded PGlite under DATA_DIR, pg-boss on it): events owed
 * to a receiver that is down survive a restart of the api and arrive once each, in order, after it.
 */
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function call(
  url: string,
  method: string,
  path: string,
  opts: { cookie?: string; key?: string; tenant?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.tenant) headers['x-tenant-id'] = opts.tenant;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

test('an api restart while the receiver is down loses nothing and duplicates nothing (embedded PGlite)', async () => {
  const receiver = await WebhookReceiver.start();
  cleanups.push(() => receiver.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-webhooks-restart-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: '0',
    DATA_DIR: dataDir,
    BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
    BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
    WEBHOOK_ALLOWED_HOSTS: receiver.hostPort,
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '300',
    WEBHOOK_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'info',
  };
  const kill = (c: ChildApi) => () => {
    if (c.child.exitCode === null) c.child.kill('SIGKILL');
  };
  const first = await startMain(env);
  cleanups.push(kill(first));
  const login = await fetch(`${first.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OPERATOR),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const tenant = await call(first.url, 'POST', '/v1/tenants', { cookie, body: { name: 'Restart' } });
  assert.equal(tenant.status, 201);
  const key = (
    await call(first.url, 'POST', '/v1/api-keys', { cookie, tenant: tenant.body.id, body: { name: 'ci' } })
  ).body.key as string;
  const edge = await call(first.url, 'POST', '/v1/edges', {
    cookie,
    body: {
      name: 'edge-r',
      region: 'eu',
      rtmpUrl: 'rtmp://edge-r.test/live',
      httpUrl: 'http://edge-r.test:8080',
    },
  });
  assert.equal(edge.status, 201);
  const hook = await call(first.url, 'POST', '/v1/webhooks', {
    key,
    body: { url: receiver.url('/restart'), events: ['live_stream.active', 'live_stream.idle'] },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const stream = (await call(first.url, 'POST', '/v1/live-streams', { key, body: { name: 'r' } })).body;

  receiver.answer = 'fail';
  for (let i = 0; i < 3; i++) {
    const s = await call(first.url, 'POST', EdgeApiPaths.sessions, {
      key: edge.body.credential,
      body: { liveStreamId: stream.id, clientIp: '203.0.113.1', video: null, audio: null },
    });
    assert.equal(s.status, 201);
    const e = await call(first.url, 'POST', EdgeApiPaths.sessionEnd(s.body.sessionId), {
      key: edge.body.credential,
      body: { reason: 'publisher closed', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 },
    });
    assert.equal(e.status, 204);
  }
  const deadline = Date.now() + 10_000;
  while (receiver.refused < 3) {
    assert.ok(Date.now() < deadline, 'the api retried while the receiver was down');
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill('SIGTERM');
  assert.equal((await first.exit).code, 0, 'a clean exit within the shutdown window');
  assert.equal(receiver.received.length, 0);

  receiver.answer = 'ok';
  const second = await startMain(env);
  cleanups.push(kill(second));
  const got = await receiver.waitFor(6, 20_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(receiver.received.length, 6, 'no duplicates');
  assert.equal(new Set(got.map((r) => r.json.id)).size, 6);
  assert.deepEqual(
    got.map((r) => r.json.type),
    ['active', 'idle', 'active', 'idle', 'active', 'idle'].map((t) => `live_stream.${t}`),
  );
  const log = await call(second.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries?limit=100`, { key });
  assert.equal(log.body.data.length, 6);
  assert.ok(log.body.data.every((d: { status: string }) => d.status === 'succeeded'));
  second.child.kill('SIGTERM');
  assert.equal((await second.exit).code, 0);
});

test('an api killed (SIGKILL) mid-delivery: the lease runs out and the event is delivered by the next api', async () => {
  const receiver = await WebhookReceiver.start();
  cleanups.push(() => receiver.close());
  // The database lives in this test process (or on DATABASE_URL's server): only the api dies.
  const database = await createTestDatabase();
  cleanups.push(() => database.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-webhooks-crash-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    ...(database.kind === 'pglite' ? { DATABASE_POOL_MAX: '1' } : {}),
    DATA_DIR: dataDir,
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
    BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
    WEBHOOK_ALLOWED_HOSTS: receiver.hostPort,
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '300',
    // A lease is 2 × this + 10 s: a killed api's delivery is taken over after about 10 s.
    WEBHOOK_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'info',
  };
  const first = await startMain(env);
  const login = await fetch(`${first.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OPERATOR),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const tenant = await call(first.url, 'POST', '/v1/tenants', { cookie, body: { name: 'Crash' } });
  const key = (
    await call(first.url, 'POST', '/v1/api-keys', { cookie, tenant: tenant.body.id, body: { name: 'ci' } })
  ).body.key as string;
  const hook = await call(first.url, 'POST', '/v1/webhooks', {
    key,
    body: { url: receiver.url('/crash'), events: ['live_stream.disabled'] },
  });
  assert.equal(hook.status, 201);
  const stream = (await call(first.url, 'POST', '/v1/live-streams', { key, body: { name: 'c' } })).body;
  receiver.answer = 'hang';
  assert.equal((await call(first.url, 'POST', `/v1/live-streams/${stream.id}/disable`, { key })).status, 200);
  const deadline = Date.now() + 10_000;
  while (receiver.refused < 1) {
    assert.ok(Date.now() < deadline, 'the delivery reached the receiver');
    await new Promise((r) => setTimeout(r, 25));
  }
  first.child.kill('SIGKILL');
  await first.exit;
  receiver.answer = 'ok';
  const killedAt = Date.now();
  const second = await startMain(env);
  cleanups.push(() => {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  });
  const [got] = await receiver.waitFor(1, 30_000);
  assert.equal(got?.json.type, 'live_stream.disabled');
  assert.ok(Date.now() - killedAt >= 5000, 'taken over only once the lease ran out');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(receiver.received.length, 1, 'delivered once');
  const log = await call(second.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries`, { key });
  assert.equal(log.body.data[0].status, 'succeeded');
  second.child.kill('SIGTERM');
  assert.equal((await second.exit).code, 0);
});
