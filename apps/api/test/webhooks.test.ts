import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreatedWebhookEndpointSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookPayloadSchema,
} from '@tributary/contracts';
import { Client } from 'pg';
import { RetentionService } from '../src/modules/sessions/retention.service';
import { WebhookDispatcher } from '../src/modules/webhooks/webhook-dispatcher';
import { TestApi } from './support/api';
import { ffmpeg, lavfiTestInputs } from './support/media';
import { WebhookReceiver } from './support/webhook-receiver';

let api: TestApi;
let receiver: WebhookReceiver;
let other: WebhookReceiver;
let operator: string;
let tenant: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };

before(async () => {
  receiver = await WebhookReceiver.start();
  other = await WebhookReceiver.start();
  api = await TestApi.start({
    WEBHOOK_ALLOWED_HOSTS: `${receiver.hostPort},${other.hostPort}`,
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '400',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  operator = await api.login();
  tenant = await api.tenantWithKey('Hooks', operator);
  edge = await api.edge(operator);
});
after(async () => {
  await api?.close();
  await receiver?.close();
  await other?.close();
});

const newStream = (name: string) => api.liveStream<{ id: string; playbackId: string }>(tenant.key, { name });

async function publishOnce(streamId: string) {
  await api.endSession(edge.credential, await api.startSession(edge.credential, streamId));
}

async function register(url: string, events: string[] = ['live_stream.active', 'live_stream.idle']) {
  const res = await api.request('POST', '/v1/webhooks', { key: tenant.key, body: { url, events } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return CreatedWebhookEndpointSchema.parse(res.body);
}

async function deliveries(endpointId: string) {
  const res = await api.request('GET', `/v1/webhooks/${endpointId}/deliveries?limit=100`, {
    key: tenant.key,
  });
  assert.equal(res.status, 200);
  return (res.body.data as unknown[]).map((d) => WebhookDeliverySchema.parse(d));
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('registration refuses URLs that name or resolve to non-public addresses, in every spelling', async () => {
  for (const url of [
    'http://127.0.0.1/hook',
    'http://2130706433/hook',
    'http://0177.0.0.1/hook',
    'http://0x7f.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/',
    'http://100.64.0.1/',
    'http://192.168.0.10/',
    'http://[fd00:ec2::254]/',
    'http://localhost/hook',
    // The allow-list names host:port: another port of the same host is not on it.
    `http://127.0.0.1:${receiver.port + 1}/hook`,
    'ftp://example.com/',
    'http://user:pass@example.com/',
  ]) {
    const res = await api.request('POST', '/v1/webhooks', {
      key: tenant.key,
      body: { url, events: ['live_stream.active'] },
    });
    assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'validation_failed');
  }
  const bad = await api.request('POST', '/v1/webhooks', {
    key: tenant.key,
    body: { url: receiver.url(), events: ['live_stream.exploded'] },
  });
  assert.equal(bad.status, 400);
  const ok = await register(receiver.url('/probe'));
  assert.match(ok.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  // The secret is never shown again; URL changes are checked the same way.
  const got = await api.request('GET', `/v1/webhooks/${ok.id}`, { key: tenant.key });
  assert.equal(got.status, 200);
  assert.equal(got.body.secret, undefined);
  WebhookEndpointSchema.parse(got.body);
  const listed = await api.request('GET', '/v1/webhooks', { key: tenant.key });
  assert.ok(listed.body.data.every((w: Record<string, unknown>) => w.secret === undefined));
  const moved = await api.request('PATCH', `/v1/webhooks/${ok.id}`, {
    key: tenant.key,
    body: { url: 'http://0x7f000001/' },
  });
  assert.equal(moved.status, 400);
  // Another tenant does not see it.
  const stranger = await api.tenantWithKey('Stranger', operator);
  assert.equal((await api.request('GET', `/v1/webhooks/${ok.id}`, { key: stranger.key })).status, 404);
  assert.equal((await api.request('DELETE', `/v1/webhooks/${ok.id}`, { key: tenant.key })).status, 204);
  assert.equal((await api.request('GET', `/v1/webhooks/${ok.id}`, { key: tenant.key })).status, 404);
  // The OpenAPI document names every route, with bodies and responses.
  const doc = (await api.request('GET', '/openapi.json')).body;
  assert.ok(doc.paths['/v1/webhooks'].post.requestBody);
  assert.ok(doc.paths['/v1/webhooks/{id}'].patch.requestBody);
  assert.ok(doc.paths['/v1/webhooks/{id}/rotate-secret'].post);
  assert.ok(doc.paths['/v1/webhooks/{id}/deliveries'].get.responses['200']);
  assert.ok(doc.paths['/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver'].post);
});

test('a publish reaches the receiver as live_stream.active then live_stream.idle, signed, in order, logged', async () => {
  const hook = await register(receiver.url('/lifecycle'));
  const stream = await newStream('lifecycle');
  const before = receiver.received.length;
  await publishOnce(stream.id);
  const got = (await receiver.waitFor(before + 2)).slice(before);
  assert.deepEqual(
    got.map((r) => r.json.type),
    ['live_stream.active', 'live_stream.idle'],
  );
  for (const r of got) {
    assert.ok(WebhookReceiver.verified(r, hook.secret), 'signature verifies with the secret shown once');
    assert.ok(!WebhookReceiver.verified(r, `${hook.secret}x`), 'and not with another');
    const p = WebhookPayloadSchema.parse(r.json);
    assert.equal(p.data.id, stream.id);
    assert.equal(r.headers['tributary-event-id'], p.id);
    assert.equal(r.headers['content-type'], 'application/json');
    // The documented recipe, by hand: v1 = hex HMAC-SHA256(secret, t + "." + raw body).
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['tributary-signature']));
    assert.ok(m);
    assert.equal(createHmac('sha256', hook.secret).update(`${m[1]}.${r.body}`).digest('hex'), m[2]);
  }
  const log = await until('both deliveries logged as succeeded', 5000, async () => {
    const d = await deliveries(hook.id);
    return d.length === 2 && d.every((x) => x.status === 'succeeded') ? d : undefined;
  });
  for (const d of log) {
    assert.equal(d.responseStatus, 200);
    assert.equal(d.attempts, 1);
    assert.ok((d.latencyMs ?? -1) >= 0);
    assert.ok(d.responseSnippet?.startsWith('thanks'));
    assert.ok((d.responseSnippet?.length ?? 0) <= 1024, 'the snippet is bounded');
  }
  assert.equal((await api.request('DELETE', `/v1/webhooks/${hook.id}`, { key: tenant.key })).status, 204);
});

test('a receiver down for a while gets every event once, in order per stream, when it is back', async () => {
  const hook = await register(receiver.url('/outage'));
  const a = await newStream('outage-a');
  const b = await newStream('outage-b');
  receiver.answer = 'fail';
  const before = receiver.received.length;
  for (let i = 0; i < 3; i++) {
    await publishOnce(a.id);
    await publishOnce(b.id);
  }
  await until('retries while down', 10_000, async () => (receiver.refused >= 6 ? true : undefined));
  const pending = await deliveries(hook.id);
  assert.equal(pending.length, 12);
  assert.ok(pending.some((d) => d.status === 'pending' && d.attempts >= 1 && d.error === 'HTTP 503'));
  receiver.answer = 'ok';
  const got = (await receiver.waitFor(before + 12, 20_000)).slice(before);
  // A little longer: nothing more arrives (no duplicates).
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(receiver.received.length - before, 12);
  const ids = got.map((r) => r.json.id);
  assert.equal(new Set(ids).size, 12, 'each event once');
  for (const s of [a, b]) {
    const types = got.filter((r) => r.json.data.id === s.id).map((r) => r.json.type);
    assert.deepEqual(
      types,
      Array.from({ length: 3 }, () => ['live_stream.active', 'live_stream.idle']).flat(),
    );
  }
  const log = await deliveries(hook.id);
  assert.ok(log.every((d) => d.status === 'succeeded'));
  assert.ok(log.some((d) => d.attempts > 1));
  assert.equal((await api.request('DELETE', `/v1/webhooks/${hook.id}`, { key: tenant.key })).status, 204);
});

test('a redirect is not followed (not even to an allowed host); manual redelivery sends the same event again', async () => {
  const hook = await register(receiver.url('/redirect'), ['live_stream.disabled']);
  receiver.answer = 'redirect';
  receiver.redirectTo = other.url('/private-target');
  const stream = await newStream('redirect');
  const refusedBefore = receiver.refused;
  assert.equal(
    (await api.request('POST', `/v1/live-streams/${stream.id}/disable`, { key: tenant.key })).status,
    200,
  );
  const [failed] = await until('a redirect attempt logged', 10_000, async () => {
    const d = await deliveries(hook.id);
    return d[0]?.error?.startsWith('redirect not followed') ? d : undefined;
  });
  assert.ok(failed);
  assert.equal(failed.responseStatus, 302);
  assert.ok(receiver.refused > refusedBefore);
  assert.equal(other.received.length, 0, 'the redirect target was never requested');
  // Disable the endpoint while it retries: nothing more is sent; redeliver once it answers again.
  assert.equal(
    (await api.request('PATCH', `/v1/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } }))
      .status,
    200,
  );
  receiver.answer = 'ok';
  const before = receiver.received.length;
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(receiver.received.length, before, 'a disabled endpoint receives nothing');
  await api.request('PATCH', `/v1/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: true } });
  const [first] = (await receiver.waitFor(before + 1)).slice(before);
  assert.equal(first?.json.type, 'live_stream.disabled');
  const done = await until('succeeded', 5000, async () => {
    const d = await deliveries(hook.id);
    return d[0]?.status === 'succeeded' ? d[0] : undefined;
  });
  const again = await api.request('POST', `/v1/webhooks/${hook.id}/deliveries/${done.id}/redeliver`, {
    key: tenant.key,
  });
  assert.equal(again.status, 202);
  const [second] = (await receiver.waitFor(before + 2)).slice(before + 1);
  assert.equal(second?.json.id, first?.json.id, 'the same event id');
  assert.equal(
    (await api.request('POST', `/v1/webhooks/${hook.id}/deliveries/nope/redeliver`, { key: tenant.key }))
      .status,
    404,
  );
});

test('rotate-secret signs later deliveries with the new secret; deleting a stream is an event too', async () => {
  const hook = await register(receiver.url('/rotate'), ['live_stream.deleted']);
  const rotated = await api.request('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { key: tenant.key });
  assert.equal(rotated.status, 200);
  const secret = CreatedWebhookEndpointSchema.parse(rotated.body).secret;
  assert.notEqual(secret, hook.secret);
  const stream = await newStream('to delete');
  const before = receiver.received.length;
  assert.equal(
    (await api.request('DELETE', `/v1/live-streams/${stream.id}`, { key: tenant.key })).status,
    204,
  );
  const [got] = (await receiver.waitFor(before + 1)).slice(before);
  assert.ok(got);
  assert.equal(got.json.type, 'live_stream.deleted');
  assert.equal(got.json.data.id, stream.id);
  assert.ok(WebhookReceiver.verified(got, secret));
  assert.ok(!WebhookReceiver.verified(got, hook.secret));
});

test('assets: an indexed upload is asset.ready, an unplayable one asset.errored', async () => {
  const hook = await register(receiver.url('/assets'), ['asset.ready', 'asset.errored']);
  const dir = mkdtempSync(join(tmpdir(), 'tributary-webhook-assets-'));
  const mp4 = join(dir, 'clip.mp4');
  await ffmpeg([
    ...lavfiTestInputs('160x90'),
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    mp4,
  ]);
  const upload = async (blob: Blob, name: string) => {
    const form = new FormData();
    form.set('file', blob, name);
    const res = await fetch(`${api.url}/v1/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}` },
      body: form,
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { id: string }).id;
  };
  const before = receiver.received.length;
  const good = await upload(new Blob([readFileSync(mp4)]), 'clip.mp4');
  const bad = await upload(new Blob(['not a video']), 'notes.txt');
  const got = (await receiver.waitFor(before + 2)).slice(before);
  const byId = new Map(got.map((r) => [r.json.data.id, r.json]));
  assert.equal(byId.get(good)?.type, 'asset.ready');
  assert.equal(byId.get(good)?.data.status, 'ready');
  assert.equal(byId.get(bad)?.type, 'asset.errored');
  assert.ok(String(byId.get(bad)?.data.error).length > 0);
  for (const r of got) assert.ok(WebhookReceiver.verified(r, hook.secret));
  rmSync(dir, { recursive: true, force: true });
});

test('retention purges webhook events (and their log) past WEBHOOK_RETENTION_DAYS, keeping pending ones', async () => {
  const hook = await register(receiver.url('/retention'), ['live_stream.active', 'live_stream.idle']);
  const stream = await newStream('retention');
  const before = receiver.received.length;
  await publishOnce(stream.id);
  await receiver.waitFor(before + 2);
  await until('both logged', 5000, async () => {
    const d = await deliveries(hook.id);
    return d.length === 2 && d.every((x) => x.status === 'succeeded') ? true : undefined;
  });
  const db = new Client({ connectionString: api.database.url });
  await db.connect();
  try {
    const [done, pending] = (await deliveries(hook.id)).map((d) => d.eventId);
    // Both 40 days old; one made pending again (as if still owed).
    await db.query(`UPDATE webhook_events SET "createdAt" = now() - interval '40 days' WHERE id = ANY($1)`, [
      [done, pending],
    ]);
    await db.query(
      `UPDATE webhook_deliveries SET status = 'pending', "nextAttemptAt" = now() + interval '1 day' WHERE "eventId" = $1`,
      [pending],
    );
    const counts = await api.api.app.get(RetentionService).runOnce();
    assert.ok(counts.webhookEvents >= 1);
    const left = await deliveries(hook.id);
    assert.deepEqual(
      left.map((d) => d.eventId),
      [pending],
    );
  } finally {
    await db.end();
  }
});

test('DNS rebinding through the API: a name public at registration and 127.0.0.1 at delivery is never connected', async () => {
  // The dispatcher's resolver, replaced as an attacker's DNS would answer: public first, then loopback.
  const policy = api.api.app.get(WebhookDispatcher).policy;
  const system = policy.resolve;
  let answers = 0;
  policy.resolve = async () => {
    answers++;
    return [{ address: answers === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
  };
  try {
    // Not on the allow-list (another name than the receiver's 127.0.0.1:port): checked like any name.
    const hook = await register(`http://rebind.example:${receiver.port}/rebind`, ['live_stream.disabled']);
    assert.equal(answers, 1, 'resolved and accepted at registration');
    const before = receiver.received.length;
    const stream = await newStream('rebinding');
    await api.request('POST', `/v1/live-streams/${stream.id}/disable`, { key: tenant.key });
    const [d] = await until('the refused attempt logged', 10_000, async () => {
      const log = await deliveries(hook.id);
      return log[0]?.error ? log : undefined;
    });
    assert.match(d?.error ?? '', /^refused: rebind\.example resolves to a loopback address \(127\.0\.0\.1\)/);
    assert.equal(d?.responseStatus, null);
    assert.ok(
      receiver.received.slice(before).every((r) => r.path !== '/rebind'),
      'nothing reached the local receiver',
    );
    await api.request('DELETE', `/v1/webhooks/${hook.id}`, { key: tenant.key });
  } finally {
    policy.resolve = system;
  }
});

test('an Idempotency-Key replay of a webhook creation returns it without the secret, which is never stored', async () => {
  const headers = { 'idempotency-key': 'create-hook-1' };
  const body = { url: receiver.url('/idempotent'), events: ['asset.ready'] };
  const first = await api.request('POST', '/v1/webhooks', { key: tenant.key, body, headers });
  assert.equal(first.status, 201);
  assert.match(first.body.secret, /^whsec_/);
  const again = await api.request('POST', '/v1/webhooks', { key: tenant.key, body, headers });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, first.body.id, 'no second endpoint');
  assert.equal(again.body.secret, undefined);
  assert.equal(again.headers.get('idempotent-redacted'), 'secret');
  const db = new Client({ connectionString: api.database.url });
  await db.connect();
  try {
    const stored = await db.query(
      `SELECT 1 FROM idempotency_records WHERE "responseBody"::text LIKE '%whsec_%'`,
    );
    assert.equal(stored.rowCount, 0);
    const sealed = await db.query(`SELECT "secretEncrypted" FROM webhook_endpoints WHERE id = $1`, [
      first.body.id,
    ]);
    assert.ok(
      !String(sealed.rows[0]?.secretEncrypted).includes(first.body.secret),
      'stored sealed, not in clear',
    );
  } finally {
    await db.end();
  }
});

test('deliveries never run in the request path: a receiver that hangs does not slow the edge or the API', async () => {
  const hook = await register(receiver.url('/hang'), ['live_stream.active', 'live_stream.idle']);
  const stream = await newStream('hanging receiver');
  receiver.answer = 'hang';
  const refusedBefore = receiver.refused;
  try {
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await publishOnce(stream.id);
      const ms = performance.now() - started;
      assert.ok(ms < 1500, `a session start and end took ${Math.round(ms)} ms with the receiver hanging`);
    }
    await until('an attempt reached the hanging receiver', 5000, async () =>
      receiver.refused > refusedBefore ? true : undefined,
    );
    const [head] = await until('the attempt cut at WEBHOOK_TIMEOUT_MS', 10_000, async () => {
      const log = await deliveries(hook.id);
      return log.some((d) => d.error?.startsWith('timed out after 2000 ms')) ? log : undefined;
    });
    assert.ok(head);
  } finally {
    receiver.answer = 'ok';
    await api.request('DELETE', `/v1/webhooks/${hook.id}`, { key: tenant.key });
  }
});

test('two api instances on one database deliver every event once, in order per stream', async () => {
  const peer = await TestApi.start(
    {
      WEBHOOK_ALLOWED_HOSTS: `${receiver.hostPort},${other.hostPort}`,
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_TIMEOUT_MS: '2000',
    },
    api,
  );
  try {
    const hook = await register(receiver.url('/fleet'), ['live_stream.active', 'live_stream.idle']);
    const stream = await newStream('two instances');
    const before = receiver.received.length;
    // Sessions start on one instance and end on the other; both dispatchers run.
    for (let i = 0; i < 5; i++) {
      const [a, b] = i % 2 === 0 ? [api, peer] : [peer, api];
      await b.endSession(edge.credential, await a.startSession(edge.credential, stream.id));
    }
    await receiver.waitFor(before + 10);
    await new Promise((r) => setTimeout(r, 1000));
    const got = receiver.received.slice(before).filter((r) => r.path === '/fleet');
    assert.equal(got.length, 10, 'each event once');
    assert.equal(new Set(got.map((r) => r.json.id)).size, 10);
    assert.deepEqual(
      got.map((r) => r.json.type),
      Array.from({ length: 5 }, () => ['live_stream.active', 'live_stream.idle']).flat(),
    );
    await api.request('DELETE', `/v1/webhooks/${hook.id}`, { key: tenant.key });
  } finally {
    await peer.close();
  }
});
