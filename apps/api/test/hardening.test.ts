import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EdgeApiPaths, IDEMPOTENCY_HEADER } from '@tributary/contracts';
import { Client } from 'pg';
import { hashPassword } from '../src/common/auth/passwords';
import { OPERATOR, type Reply, TestApi } from './support/api';

/**
 * Issue 10 hardening of the api, through real HTTP against a running api:
 * per-tenant caps, idempotency records without secrets and with an expiry,
 * login limits per forwarded client IP and per account, the cross-site guard on
 * cookie-authenticated writes, and retention of sessions.
 */

const PROXY_SECRET = 'test-proxy-secret-0123456789';
const CAPS = { signingKeys: 3, apiKeys: 3, liveStreams: 3, liveEvents: 2 };
const LOGIN_PER_IP = 4;
const ACCOUNT_FAILURES = 3;
const DASHBOARD_ORIGIN = 'http://dashboard.test:3000';

let api: TestApi;
let db: Client;
let operator: string;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Polls `check` until it holds; fails the test past `deadlineMs`. */
async function eventually(what: string, check: () => Promise<boolean>, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Rate limits count in one-minute windows: start a counting step with at least 15 s of its window left. */
async function freshWindowRoom(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
}

before(async () => {
  api = await TestApi.start({
    TENANT_MAX_SIGNING_KEYS: String(CAPS.signingKeys),
    TENANT_MAX_API_KEYS: String(CAPS.apiKeys),
    TENANT_MAX_LIVE_STREAMS: String(CAPS.liveStreams),
    TENANT_MAX_LIVE_EVENTS: String(CAPS.liveEvents),
    LOGIN_RATE_LIMIT_PER_MINUTE: String(LOGIN_PER_IP),
    LOGIN_ACCOUNT_FAILURES_PER_MINUTE: String(ACCOUNT_FAILURES),
    TRUSTED_PROXY_SECRET: PROXY_SECRET,
    CORS_ORIGINS: DASHBOARD_ORIGIN,
    RETENTION_INTERVAL_SECONDS: '1',
    INGEST_SESSION_RETENTION_DAYS: '30',
    IDEMPOTENCY_TTL_HOURS: '24',
  });
  db = new Client({ connectionString: api.database.url });
  await db.connect();
  operator = await api.login();
});
after(async () => {
  await db?.end();
  await api?.close();
});

function assertQuotaExceeded(res: Reply, resource: string, limit: number) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'quota_exceeded');
  assert.match(res.body.error.message, new RegExp(`at most ${limit} `));
  assert.deepEqual(
    Object.fromEntries(
      res.body.error.details.map((d: { field: string; message: string }) => [d.field, d.message]),
    ),
    { resource, limit: String(limit), current: String(limit) },
  );
}

test('caps: signing keys per tenant are capped; a revoked key frees its slot; other tenants are unaffected', async () => {
  const a = await api.tenantWithKey('caps-sk-a', operator);
  const b = await api.tenantWithKey('caps-sk-b', operator);
  const ids: string[] = [];
  for (let i = 0; i < CAPS.signingKeys; i++) {
    const res = await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: `k${i}` } });
    assert.equal(res.status, 201);
    ids.push(res.body.id);
  }
  assertQuotaExceeded(
    await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'over' } }),
    'signingKeys',
    CAPS.signingKeys,
  );
  assert.equal(
    (await api.request('POST', '/v1/signing-keys', { key: b.key, body: { name: 'b' } })).status,
    201,
  );
  assert.equal((await api.request('DELETE', `/v1/signing-keys/${ids[0]}`, { key: a.key })).status, 204);
  assert.equal(
    (await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'again' } })).status,
    201,
  );
  const rows = await db.query(
    `SELECT count(*)::int AS n FROM signing_keys WHERE "tenantId" = $1 AND "revokedAt" IS NULL`,
    [a.tenantId],
  );
  assert.equal(rows.rows[0].n, CAPS.signingKeys);
});

test('caps: concurrent creates cannot both take the last slot', async () => {
  const a = await api.tenantWithKey('caps-race', operator);
  for (let i = 0; i < CAPS.signingKeys - 1; i++) {
    assert.equal(
      (await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: `k${i}` } })).status,
      201,
    );
  }
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: `race${i}` } }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 422, 422, 422, 422, 422, 422, 422]);
  const rows = await db.query(`SELECT count(*)::int AS n FROM signing_keys WHERE "tenantId" = $1`, [
    a.tenantId,
  ]);
  assert.equal(rows.rows[0].n, CAPS.signingKeys);
});

test('caps: API keys (the first one counts), live streams and scheduled or live events', async () => {
  const a = await api.tenantWithKey('caps-misc', operator);
  // tenantWithKey made one key already.
  const keys: string[] = [];
  for (let i = 1; i < CAPS.apiKeys; i++) {
    const res = await api.request('POST', '/v1/api-keys', { key: a.key, body: { name: `k${i}` } });
    assert.equal(res.status, 201);
    keys.push(res.body.id);
  }
  assertQuotaExceeded(
    await api.request('POST', '/v1/api-keys', { key: a.key, body: { name: 'over' } }),
    'apiKeys',
    CAPS.apiKeys,
  );
  assert.equal((await api.request('DELETE', `/v1/api-keys/${keys[0]}`, { key: a.key })).status, 204);
  assert.equal(
    (await api.request('POST', '/v1/api-keys', { key: a.key, body: { name: 'again' } })).status,
    201,
  );

  const streams: string[] = [];
  for (let i = 0; i < CAPS.liveStreams; i++) {
    const res = await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: `s${i}` } });
    assert.equal(res.status, 201);
    streams.push(res.body.id);
  }
  assertQuotaExceeded(
    await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'over' } }),
    'liveStreams',
    CAPS.liveStreams,
  );
  assert.equal((await api.request('DELETE', `/v1/live-streams/${streams[2]}`, { key: a.key })).status, 204);
  assert.equal(
    (await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'again' } })).status,
    201,
  );

  const events: string[] = [];
  for (let i = 0; i < CAPS.liveEvents; i++) {
    const res = await api.request('POST', '/v1/live-events', {
      key: a.key,
      body: { liveStreamId: streams[0], title: `e${i}` },
    });
    assert.equal(res.status, 201);
    events.push(res.body.id);
  }
  assertQuotaExceeded(
    await api.request('POST', '/v1/live-events', {
      key: a.key,
      body: { liveStreamId: streams[0], title: 'over' },
    }),
    'liveEvents',
    CAPS.liveEvents,
  );
  const cancelled = await api.request('POST', `/v1/live-events/${events[0]}/transitions`, {
    key: a.key,
    body: { to: 'cancelled' },
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(
    (
      await api.request('POST', '/v1/live-events', {
        key: a.key,
        body: { liveStreamId: streams[0], title: 'again' },
      })
    ).status,
    201,
  );
});

test("caps: an operator's per-tenant quota replaces the default, and null restores it", async () => {
  const a = await api.tenantWithKey('caps-override', operator, { quotaSigningKeys: 1, quotaLiveStreams: 5 });
  const tenant = await api.request('GET', `/v1/tenants/${a.tenantId}`, { cookie: operator });
  assert.equal(tenant.body.quotaSigningKeys, 1);
  assert.equal(tenant.body.quotaApiKeys, null);
  assert.equal(
    (await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'one' } })).status,
    201,
  );
  assertQuotaExceeded(
    await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'two' } }),
    'signingKeys',
    1,
  );
  // Above the platform default (3) for this tenant only.
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: `s${i}` } })).status,
      201,
    );
  }
  assertQuotaExceeded(
    await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'over' } }),
    'liveStreams',
    5,
  );
  const reset = await api.request('PATCH', `/v1/tenants/${a.tenantId}`, {
    cookie: operator,
    body: { quotaSigningKeys: null },
  });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  assert.equal(reset.body.quotaSigningKeys, null);
  assert.equal(
    (await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'two' } })).status,
    201,
  );
  const negative = await api.request('PATCH', `/v1/tenants/${a.tenantId}`, {
    cookie: operator,
    body: { quotaApiKeys: -1 },
  });
  assert.equal(negative.status, 400);
});

test('idempotency: a replay returns the resource without its secret and says so; no secret is stored', async () => {
  const a = await api.tenantWithKey('idem-secrets', operator);
  const cases = [
    { path: '/v1/api-keys', body: { name: 'idem' }, secret: 'key' },
    { path: '/v1/live-streams', body: { name: 'idem' }, secret: 'streamKey' },
    { path: '/v1/signing-keys', body: { name: 'idem' }, secret: 'privateKeyPem' },
  ];
  for (const c of cases) {
    const headers = { [IDEMPOTENCY_HEADER]: `idem-${c.secret}` };
    const first = await api.request('POST', c.path, { key: a.key, body: c.body, headers });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const secret = first.body[c.secret] as string;
    assert.ok(secret && secret.length > 10);
    const replay = await api.request('POST', c.path, { key: a.key, body: c.body, headers });
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.headers.get('idempotent-redacted'), c.secret);
    assert.equal(replay.body.id, first.body.id);
    assert.equal(c.secret in replay.body, false);
    const stored = await db.query('SELECT "responseBody"::text AS body FROM idempotency_records');
    for (const row of stored.rows)
      assert.equal((row.body as string).includes(secret), false, `${c.secret} stored`);
  }
});

test('idempotency: records expire (a key older than the TTL creates anew) and are purged', async () => {
  const a = await api.tenantWithKey('idem-expiry', operator);
  const headers = { [IDEMPOTENCY_HEADER]: 'expiring-key' };
  const first = await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'exp' }, headers });
  assert.equal(first.status, 201);
  const aged = await db.query(
    `UPDATE idempotency_records SET "createdAt" = now() - interval '25 hours' WHERE key = 'expiring-key'`,
  );
  assert.equal(aged.rowCount, 1);
  const again = await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'exp' }, headers });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), null);
  assert.notEqual(again.body.id, first.body.id);

  // Another aged record, never asked for again, is purged by the retention job.
  const other = { [IDEMPOTENCY_HEADER]: 'forgotten-key' };
  assert.equal(
    (await api.request('POST', '/v1/signing-keys', { key: a.key, body: { name: 'f' }, headers: other }))
      .status,
    201,
  );
  await db.query(
    `UPDATE idempotency_records SET "createdAt" = now() - interval '25 hours' WHERE key = 'forgotten-key'`,
  );
  await eventually('aged idempotency record purged', async () => {
    return (await db.query(`SELECT 1 FROM idempotency_records WHERE key = 'forgotten-key'`)).rowCount === 0;
  });
  // A fresh record stays.
  assert.equal((await db.query(`SELECT 1 FROM idempotency_records WHERE key = 'expiring-key'`)).rowCount, 1);
});

function loginVia(ip: string | undefined, email: string, password: string, secret = PROXY_SECRET) {
  return api.request('POST', '/v1/auth/login', {
    body: { email, password },
    headers: ip ? { 'x-forwarded-for': ip, 'x-tributary-proxy-secret': secret } : {},
  });
}

test('login: the per-IP limit counts the client IP the dashboard forwards, not the dashboard', async () => {
  await freshWindowRoom();
  for (let i = 0; i < LOGIN_PER_IP; i++) {
    assert.equal((await loginVia('198.51.100.1', `nobody${i}@test.local`, 'wrong-password-1')).status, 401);
  }
  assert.equal((await loginVia('198.51.100.1', 'nobody-x@test.local', 'wrong-password-1')).status, 429);
  // Another browser behind the same dashboard can still sign in.
  const other = await loginVia('198.51.100.2', OPERATOR.email, OPERATOR.password);
  assert.equal(other.status, 200, JSON.stringify(other.body));
});

test('login: failures are counted per account across IPs; a locked account refuses even the right password', async () => {
  await freshWindowRoom();
  const email = 'victim@test.local';
  const password = 'victim-password-1';
  await db.query(
    `INSERT INTO users (id, email, name, "passwordHash", "isOperator") VALUES ('usr_victim', $1, 'Victim', $2, false)`,
    [email, await hashPassword(password)],
  );
  // A success does not use up the account's budget.
  for (let i = 0; i < ACCOUNT_FAILURES + 1; i++) {
    assert.equal((await loginVia(`203.0.113.${100 + i}`, email, password)).status, 200);
  }
  for (let i = 0; i < ACCOUNT_FAILURES; i++) {
    assert.equal((await loginVia(`203.0.113.${i + 1}`, email, 'wrong-password-1')).status, 401);
  }
  const locked = await loginVia('203.0.113.50', email, password);
  assert.equal(locked.status, 429, JSON.stringify(locked.body));
  assert.equal(locked.body.error.code, 'rate_limited');
  assert.match(locked.body.error.message, /this account/);
  assert.ok(Number(locked.headers.get('retry-after')) >= 1);
});

test('cookie-authenticated writes from another site are refused; API keys and same-origin writes are not', async () => {
  const crossSite = await api.request('POST', '/v1/tenants', {
    cookie: operator,
    body: { name: 'csrf' },
    headers: { origin: 'https://evil.example' },
  });
  assert.equal(crossSite.status, 403, JSON.stringify(crossSite.body));
  assert.equal(crossSite.body.error.code, 'forbidden');
  assert.match(crossSite.body.error.message, /cross-site/);
  const fetchMeta = await api.request('DELETE', '/v1/edges/edg_x', {
    cookie: operator,
    headers: { 'sec-fetch-site': 'cross-site' },
  });
  assert.equal(fetchMeta.status, 403);
  const tenants = (await db.query(`SELECT 1 FROM tenants WHERE name = 'csrf'`)).rowCount;
  assert.equal(tenants, 0);

  const allowed: Record<string, string>[] = [
    { origin: DASHBOARD_ORIGIN },
    { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
    {},
  ];
  for (const headers of allowed) {
    const ok = await api.request('POST', '/v1/tenants', {
      cookie: operator,
      body: { name: 'fine' },
      headers,
    });
    assert.equal(ok.status, 201, `${JSON.stringify(headers)}: ${JSON.stringify(ok.body)}`);
  }
  // A read with the cookie from another site is not a write.
  assert.equal(
    (
      await api.request('GET', '/v1/auth/me', {
        cookie: operator,
        headers: { origin: 'https://evil.example' },
      })
    ).status,
    200,
  );
  // API keys are not ambient credentials: no origin rule.
  const a = await api.tenantWithKey('csrf-key', operator);
  const withKey = await api.request('POST', '/v1/live-streams', {
    key: a.key,
    body: { name: 'k' },
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  });
  assert.equal(withKey.status, 201);
});

test('retention: expired dashboard sessions and long-ended ingest sessions are purged; usage stays', async () => {
  const a = await api.tenantWithKey('retention', operator);
  const stream = (await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'r' } })).body;
  const edge = await api.edge(operator, 'edge-retention');
  const sessionIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const started = await api.request('POST', EdgeApiPaths.sessions, {
      key: edge.credential,
      body: { liveStreamId: stream.id, clientIp: '10.0.0.1', video: null, audio: null },
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.sessionId as string;
    sessionIds.push(id);
    const ended = await api.request('POST', EdgeApiPaths.sessionEnd(id), {
      key: edge.credential,
      body: { reason: 'done', bytesInDelta: 1000, bytesOutDelta: 2000, viewerSecondsDelta: 3 },
    });
    assert.equal(ended.status < 300, true, JSON.stringify(ended.body));
  }
  const [old, recent] = sessionIds;
  await db.query(
    `UPDATE ingest_sessions SET "startedAt" = now() - interval '41 days', "endedAt" = now() - interval '40 days' WHERE id = $1`,
    [old],
  );
  // A second dashboard session, then expired.
  const cookie = await api.login();
  const token = cookie.split('=')[1] ?? '';
  const expired = await db.query(
    `UPDATE user_sessions SET "expiresAt" = now() - interval '1 minute' WHERE "tokenHash" = $1`,
    [sha256(token)],
  );
  assert.equal(expired.rowCount, 1);

  await eventually('old ingest session and expired user session purged', async () => {
    const s = await db.query('SELECT 1 FROM ingest_sessions WHERE id = $1', [old]);
    const u = await db.query('SELECT 1 FROM user_sessions WHERE "tokenHash" = $1', [sha256(token)]);
    return s.rowCount === 0 && u.rowCount === 0;
  });
  assert.equal((await db.query('SELECT 1 FROM ingest_sessions WHERE id = $1', [recent])).rowCount, 1);
  const usage = await db.query('SELECT sum("ingestBytes")::int AS i FROM usage_hours WHERE "tenantId" = $1', [
    a.tenantId,
  ]);
  assert.equal(usage.rows[0].i, 2000);
  // The operator's own session is untouched.
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: operator })).status, 200);
});

test("edge scope: one edge's session start never ends a healthy other edge's session; a dead edge's is replaced", async () => {
  const a = await api.tenantWithKey('edge-scope', operator);
  const stream = (await api.request('POST', '/v1/live-streams', { key: a.key, body: { name: 'scope' } }))
    .body;
  const [edgeA, edgeB, edgeDead] = [
    await api.edge(operator, 'edge-scope-a'),
    await api.edge(operator, 'edge-scope-b'),
    await api.edge(operator, 'edge-scope-dead'),
  ];
  const heartbeat = {
    version: 'test',
    connections: 1,
    publishers: 1,
    viewers: 0,
    bytesInTotal: 0,
    bytesOutTotal: 0,
  };
  for (const e of [edgeA, edgeB]) {
    const hb = await api.request('POST', EdgeApiPaths.heartbeat, { key: e.credential, body: heartbeat });
    assert.equal(hb.status < 300, true, JSON.stringify(hb.body));
  }
  const start = async (edge: { credential: string }) => {
    const res = await api.request('POST', EdgeApiPaths.sessions, {
      key: edge.credential,
      body: { liveStreamId: stream.id, clientIp: '10.0.0.2', video: null, audio: null },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.sessionId as string;
  };
  const endedAt = async (id: string) =>
    (await db.query('SELECT "endedAt" FROM ingest_sessions WHERE id = $1', [id])).rows[0]?.endedAt ?? null;
  const stats = { viewers: 1, bitrateKbps: 1, bytesInDelta: 1, bytesOutDelta: 1, viewerSecondsDelta: 1 };

  const onA = await start(edgeA);
  const onB = await start(edgeB);
  assert.equal(await endedAt(onA), null, "edge B's start must not end edge A's session");
  assert.equal(
    (await api.request('POST', EdgeApiPaths.sessionStats(onA), { key: edgeA.credential, body: stats }))
      .status < 300,
    true,
  );
  const end = { reason: 'x', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 };
  assert.equal(
    (await api.request('POST', EdgeApiPaths.sessionEnd(onA), { key: edgeB.credential, body: end })).status,
    404,
  );
  assert.equal(
    (await api.request('POST', EdgeApiPaths.sessionStats(onA), { key: edgeB.credential, body: stats }))
      .status,
    404,
  );
  assert.equal(await endedAt(onA), null);
  // The newest session is the stream's current one.
  assert.equal(
    (await api.request('GET', `/v1/live-streams/${stream.id}`, { key: a.key })).body.currentSession?.id,
    onB,
  );

  // An edge replaces its own open session (its publisher reconnected).
  const onA2 = await start(edgeA);
  assert.notEqual(await endedAt(onA), null);
  assert.equal(await endedAt(onB), null);

  // A session left by an edge that never reported (or stopped) is replaced by a new publish elsewhere.
  const onDead = await start(edgeDead);
  await start(edgeB);
  assert.notEqual(await endedAt(onDead), null);
  assert.equal(await endedAt(onA2), null);
});

// Last: it spends the socket IP's login budget for this minute.
test('login: X-Forwarded-For is ignored without the proxy secret (no fresh IP per guess)', async () => {
  await freshWindowRoom();
  const statuses: number[] = [];
  for (let i = 0; i < LOGIN_PER_IP + 1; i++) {
    statuses.push(
      (await loginVia(`192.0.2.${i + 1}`, `spoof${i}@test.local`, 'wrong-password-1', 'not-the-secret-000'))
        .status,
    );
  }
  assert.equal(statuses.at(-1), 429, JSON.stringify(statuses));
});
