import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreatedWebhookEndpointSchema,
  EdgeApiPaths,
  listOf,
  MAX_USAGE_ALERTS_PER_TENANT,
  UsageAlertSchema,
  UsageThresholdEventDataSchema,
  WebhookPayloadSchema,
} from '@tributary/contracts';
import { Client } from 'pg';
import { periodOf } from '../src/modules/usage/usage-periods';
import { TestApi } from './support/api';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Usage alerts over HTTP (issue 15): CRUD and validation, and the usage.threshold event, fired once per
 * (alert, period) from edge session reports, also with many concurrent reports through two api instances.
 */
let api: TestApi;
let peer: TestApi;
let receiver: WebhookReceiver;
let db: Client;
let operator: string;
let edge: { edgeId: string; credential: string };

const env = () => ({ WEBHOOK_ALLOWED_HOSTS: receiver.hostPort, WEBHOOK_RETRY_BASE_MS: '100' });

before(async () => {
  receiver = await WebhookReceiver.start();
  api = await TestApi.start(env());
  peer = await TestApi.start(env(), api);
  db = new Client({ connectionString: api.database.url });
  await db.connect();
  operator = await api.login();
  edge = await api.edge(operator);
});
after(async () => {
  await db?.end();
  await peer?.close();
  await api?.close();
  await receiver?.close();
});

/** A tenant with a webhook endpoint for usage.threshold at `path`, and a live session to report usage on. */
async function tenantWithSession(name: string, path: string) {
  const t = await api.tenantWithKey(name, operator);
  const hook = await api.request('POST', '/v1/webhooks', {
    key: t.key,
    body: { url: receiver.url(path), events: ['usage.threshold'] },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const stream = await api.liveStream<{ id: string }>(t.key, { name: `${name} stream` });
  const sessionId = await api.startSession(edge.credential, stream.id);
  return { ...t, secret: CreatedWebhookEndpointSchema.parse(hook.body).secret, sessionId };
}

function stats(
  via: TestApi,
  sessionId: string,
  d: { bytesIn?: number; bytesOut?: number; viewerSeconds?: number },
) {
  return via.request('POST', EdgeApiPaths.sessionStats(sessionId), {
    key: edge.credential,
    body: {
      viewers: 1,
      bitrateKbps: 1000,
      bytesInDelta: d.bytesIn ?? 0,
      bytesOutDelta: d.bytesOut ?? 0,
      viewerSecondsDelta: d.viewerSeconds ?? 0,
    },
  });
}

const alertOf = (body: unknown) => UsageAlertSchema.parse(body);
const hooksAt = (path: string) => receiver.received.filter((r) => r.path === path);

/** Waits until `n` deliveries reached `path`, then a second more, and returns them (so a duplicate would show). */
async function settled(path: string, n: number) {
  const deadline = Date.now() + 15_000;
  while (hooksAt(path).length < n) {
    if (Date.now() > deadline) throw new Error(`${hooksAt(path).length} of ${n} deliveries to ${path}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return hooksAt(path);
}

test('CRUD: create, list with pagination, get, disable, delete; the current period comes with each', async () => {
  const { key } = await api.tenantWithKey('Alert CRUD', operator);
  const created = [];
  for (const [metric, period, threshold] of [
    ['viewerMinutes', 'day', 600],
    ['egressBytes', 'month', 5e12],
    ['ingestBytes', 'day', 1e9],
  ] as const) {
    const res = await api.request('POST', '/v1/usage-alerts', { key, body: { metric, period, threshold } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const alert = alertOf(res.body);
    assert.deepEqual(
      [alert.metric, alert.period, alert.threshold, alert.enabled],
      [metric, period, threshold, true],
    );
    const p = periodOf(period, Date.now());
    assert.equal(alert.current.periodStart, p.start.toISOString());
    assert.equal(alert.current.periodEnd, p.end.toISOString());
    assert.deepEqual([alert.current.value, alert.current.firedAt], [0, null]);
    created.push(alert);
  }
  const page1 = await api.request('GET', '/v1/usage-alerts?limit=2', { key });
  assert.equal(page1.status, 200);
  const first = listOf(UsageAlertSchema).parse(page1.body);
  assert.deepEqual(
    first.data.map((a) => a.id),
    [created[2]?.id, created[1]?.id],
    'newest first',
  );
  assert.ok(first.nextCursor);
  const page2 = listOf(UsageAlertSchema).parse(
    (await api.request('GET', `/v1/usage-alerts?limit=2&cursor=${first.nextCursor}`, { key })).body,
  );
  assert.deepEqual(
    page2.data.map((a) => a.id),
    [created[0]?.id],
  );
  assert.equal(page2.nextCursor, null);

  const id = created[0]?.id as string;
  const disabled = await api.request('PATCH', `/v1/usage-alerts/${id}`, {
    key,
    body: { enabled: false, threshold: 900 },
  });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.deepEqual([alertOf(disabled.body).enabled, alertOf(disabled.body).threshold], [false, 900]);
  assert.equal(alertOf((await api.request('GET', `/v1/usage-alerts/${id}`, { key })).body).enabled, false);
  assert.equal((await api.request('DELETE', `/v1/usage-alerts/${id}`, { key })).status, 204);
  assert.equal((await api.request('GET', `/v1/usage-alerts/${id}`, { key })).status, 404);
  assert.equal((await api.request('DELETE', `/v1/usage-alerts/${id}`, { key })).status, 404);

  // Another tenant's alert is not found, as one that never existed.
  const other = await api.tenantWithKey('Alert outsider', operator);
  const theirs = created[1]?.id as string;
  for (const [method, body] of [
    ['GET', undefined],
    ['PATCH', { enabled: false }],
    ['DELETE', undefined],
  ] as const) {
    const res = await api.request(method, `/v1/usage-alerts/${theirs}`, {
      key: other.key,
      ...(body ? { body } : {}),
    });
    assert.equal(res.status, 404, `${method}: ${JSON.stringify(res.body)}`);
  }
  assert.deepEqual((await api.request('GET', '/v1/usage-alerts', { key: other.key })).body.data, []);
  assert.equal(alertOf((await api.request('GET', `/v1/usage-alerts/${theirs}`, { key })).body).enabled, true);
});

test('validation: metric, period, a positive bounded threshold, no unknown keys; metric and period are fixed', async () => {
  const { key } = await api.tenantWithKey('Alert validation', operator);
  const valid = { metric: 'ingestBytes', period: 'day', threshold: 10 };
  for (const body of [
    { ...valid, metric: 'bitrate' },
    { ...valid, period: 'week' },
    { ...valid, threshold: 0 },
    { ...valid, threshold: -5 },
    { ...valid, threshold: 1e16 },
    { ...valid, threshold: '10' },
    { metric: 'ingestBytes', period: 'day' },
    { ...valid, tenantId: 'tn_someone' },
  ]) {
    const res = await api.request('POST', '/v1/usage-alerts', { key, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.code, 'validation_failed');
  }
  const bad = await api.request('POST', '/v1/usage-alerts', { key, rawBody: '{"metric":' });
  assert.equal(bad.status, 400);
  const alert = alertOf((await api.request('POST', '/v1/usage-alerts', { key, body: valid })).body);
  for (const body of [{ metric: 'egressBytes' }, { period: 'month' }, { threshold: 0 }]) {
    const res = await api.request('PATCH', `/v1/usage-alerts/${alert.id}`, { key, body });
    assert.equal(res.status, 400, JSON.stringify(body));
  }
  // A list's limit is clamped (to 100), an unknown query key refused.
  assert.equal((await api.request('GET', '/v1/usage-alerts?limit=1000', { key })).status, 200);
  assert.equal((await api.request('GET', '/v1/usage-alerts?metric=egressBytes', { key })).status, 400);
  // Read-only keys read, never write.
  const ro = await api.request('POST', '/v1/api-keys', { key, body: { name: 'ro', scopes: ['read'] } });
  assert.equal((await api.request('GET', '/v1/usage-alerts', { key: ro.body.key })).status, 200);
  assert.equal(
    (await api.request('POST', '/v1/usage-alerts', { key: ro.body.key, body: valid })).status,
    403,
  );
});

test(`at most ${MAX_USAGE_ALERTS_PER_TENANT} alerts per tenant, even when created concurrently`, async () => {
  const { key } = await api.tenantWithKey('Alert quota', operator);
  const results = await Promise.all(
    Array.from({ length: MAX_USAGE_ALERTS_PER_TENANT + 5 }, (_, i) =>
      (i % 2 === 0 ? api : peer).request('POST', '/v1/usage-alerts', {
        key,
        body: { metric: 'egressBytes', period: 'month', threshold: 1000 + i },
      }),
    ),
  );
  assert.equal(results.filter((r) => r.status === 201).length, MAX_USAGE_ALERTS_PER_TENANT);
  const refused = results.filter((r) => r.status !== 201);
  assert.equal(refused.length, 5);
  for (const r of refused) assert.equal(r.body.error.code, 'quota_exceeded');
});

test('a crossing fires one signed usage.threshold event per (alert, period), with 40 concurrent reports on two instances', async () => {
  const t = await tenantWithSession('Alert crossing', '/crossing');
  const mk = (body: object) => api.request('POST', '/v1/usage-alerts', { key: t.key, body });
  const day = alertOf((await mk({ metric: 'ingestBytes', period: 'day', threshold: 10_000 })).body);
  const month = alertOf((await mk({ metric: 'ingestBytes', period: 'month', threshold: 20_000 })).body);
  const minutes = alertOf((await mk({ metric: 'viewerMinutes', period: 'day', threshold: 2 })).body);
  const off = alertOf(
    (await mk({ metric: 'ingestBytes', period: 'day', threshold: 1, enabled: false })).body,
  );
  const far = alertOf((await mk({ metric: 'egressBytes', period: 'day', threshold: 1e12 })).body);

  // 40 reports of 1,000 bytes in and 6 viewer-seconds each, all at once, half through each instance.
  const replies = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      stats(i % 2 ? peer : api, t.sessionId, { bytesIn: 1000, viewerSeconds: 6 }),
    ),
  );
  assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([204]));
  const got = await settled('/crossing', 3);
  assert.equal(got.length, 3, 'one event each for the day, the month and the minutes alert');
  const events = got.map((r) => WebhookPayloadSchema.parse(r.json));
  for (const [i, e] of events.entries()) {
    assert.equal(e.type, 'usage.threshold');
    assert.ok(WebhookReceiver.verified(got[i] as (typeof got)[number], t.secret), 'signed with the secret');
  }
  const byAlert = new Map(events.map((e) => [UsageThresholdEventDataSchema.parse(e.data).alertId, e]));
  assert.deepEqual(new Set(byAlert.keys()), new Set([day.id, month.id, minutes.id]));
  const dayData = UsageThresholdEventDataSchema.parse(byAlert.get(day.id)?.data);
  assert.deepEqual(
    { ...dayData, value: undefined },
    {
      alertId: day.id,
      metric: 'ingestBytes',
      threshold: 10_000,
      period: 'day',
      periodStart: day.current.periodStart,
      periodEnd: day.current.periodEnd,
      value: undefined,
    },
  );
  // The value reached is the one of the report that crossed: at or past the threshold by less than one report.
  assert.ok(dayData.value >= 10_000 && dayData.value < 11_000, String(dayData.value));
  const monthData = UsageThresholdEventDataSchema.parse(byAlert.get(month.id)?.data);
  assert.equal(monthData.periodStart, periodOf('month', Date.now()).start.toISOString());
  assert.ok(monthData.value >= 20_000 && monthData.value < 21_000, String(monthData.value));
  const minuteData = UsageThresholdEventDataSchema.parse(byAlert.get(minutes.id)?.data);
  assert.ok(minuteData.value >= 2 && minuteData.value < 2.1, String(minuteData.value));

  // More usage in the same period: nothing more; the list shows the progress and when each fired.
  await stats(api, t.sessionId, { bytesIn: 50_000, viewerSeconds: 600 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(hooksAt('/crossing').length, 3);
  const list = listOf(UsageAlertSchema).parse(
    (await api.request('GET', '/v1/usage-alerts', { key: t.key })).body,
  );
  const shown = new Map(list.data.map((a) => [a.id, a]));
  assert.equal(shown.get(day.id)?.current.value, 90_000);
  assert.equal(shown.get(minutes.id)?.current.value, 14);
  assert.ok(shown.get(day.id)?.current.firedAt);
  assert.equal(shown.get(off.id)?.current.firedAt, null, 'a disabled alert does not fire');
  assert.equal(shown.get(far.id)?.current.firedAt, null);
  const firings = await db.query('SELECT count(*)::int AS n FROM usage_alert_firings WHERE "tenantId" = $1', [
    t.tenantId,
  ]);
  assert.equal(firings.rows[0].n, 3);

  // Enabling the one already past its threshold fires it once, at once; enabling it again does not.
  await api.request('PATCH', `/v1/usage-alerts/${off.id}`, { key: t.key, body: { enabled: true } });
  await api.request('PATCH', `/v1/usage-alerts/${off.id}`, { key: t.key, body: { enabled: false } });
  await api.request('PATCH', `/v1/usage-alerts/${off.id}`, { key: t.key, body: { enabled: true } });
  const after = await settled('/crossing', 4);
  assert.equal(after.length, 4);
  assert.equal(UsageThresholdEventDataSchema.parse(after[3]?.json.data).alertId, off.id);
  assert.equal(UsageThresholdEventDataSchema.parse(after[3]?.json.data).value, 90_000);
});

test('an alert created after its threshold was reached fires once, at once; lowering a threshold past the value fires', async () => {
  const t = await tenantWithSession('Alert late', '/late');
  assert.equal((await stats(api, t.sessionId, { bytesOut: 5000 })).status, 204);
  const late = await api.request('POST', '/v1/usage-alerts', {
    key: t.key,
    body: { metric: 'egressBytes', period: 'month', threshold: 4000 },
  });
  assert.equal(late.status, 201);
  assert.ok(alertOf(late.body).current.firedAt, 'fired in the creating request');
  const high = alertOf(
    (
      await api.request('POST', '/v1/usage-alerts', {
        key: t.key,
        body: { metric: 'egressBytes', period: 'day', threshold: 1e6 },
      })
    ).body,
  );
  assert.equal(high.current.firedAt, null);
  const lowered = await api.request('PATCH', `/v1/usage-alerts/${high.id}`, {
    key: t.key,
    body: { threshold: 5000 },
  });
  assert.ok(alertOf(lowered.body).current.firedAt);
  const got = await settled('/late', 2);
  assert.equal(got.length, 2);
  assert.deepEqual(
    got.map((r) => [r.json.data.alertId, r.json.data.value]),
    [
      [alertOf(late.body).id, 5000],
      [high.id, 5000],
    ],
  );
  // Further usage and raising the threshold again: this period's event was sent.
  await api.request('PATCH', `/v1/usage-alerts/${high.id}`, { key: t.key, body: { threshold: 6000 } });
  await stats(api, t.sessionId, { bytesOut: 5000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(hooksAt('/late').length, 2);
});

test('alerts created while reports arrive: every one answered, each reached alert fires exactly once', async () => {
  const t = await tenantWithSession('Alert race', '/race');
  // 20 alerts of 1,000 to 20,000 bytes created while 30 reports of 1,000 bytes arrive, through both
  // instances: whichever commits first, each alert is counted by its own creation or by a later report.
  const creates = Array.from({ length: 20 }, (_, i) =>
    (i % 2 ? api : peer).request('POST', '/v1/usage-alerts', {
      key: t.key,
      body: { metric: 'ingestBytes', period: 'day', threshold: (i + 1) * 1000 },
    }),
  );
  const reports = Array.from({ length: 30 }, (_, i) =>
    stats(i % 2 ? peer : api, t.sessionId, { bytesIn: 1000 }),
  );
  const [created, reported] = await Promise.all([Promise.all(creates), Promise.all(reports)]);
  assert.deepEqual(new Set(created.map((r) => r.status)), new Set([201]));
  assert.deepEqual(new Set(reported.map((r) => r.status)), new Set([204]));
  const got = await settled('/race', 20);
  assert.equal(got.length, 20);
  assert.equal(new Set(got.map((r) => r.json.data.alertId)).size, 20, 'one event per alert');
  for (const r of got) assert.ok(r.json.data.value >= r.json.data.threshold);
});

test("a tenant's alerts and usage stay its own: another tenant's reports never fire them", async () => {
  const a = await tenantWithSession('Alert owner', '/own');
  const b = await tenantWithSession('Alert neighbour', '/neighbour');
  await api.request('POST', '/v1/usage-alerts', {
    key: a.key,
    body: { metric: 'ingestBytes', period: 'day', threshold: 100 },
  });
  await stats(api, b.sessionId, { bytesIn: 10_000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(hooksAt('/own').length + hooksAt('/neighbour').length, 0);
  await stats(api, a.sessionId, { bytesIn: 100 });
  assert.equal((await settled('/own', 1)).length, 1);
});
