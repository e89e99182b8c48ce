import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EdgeApiPaths, PLAYBACK_TOKEN_AUDIENCE, PlaybackKeysResponseSchema } from '@tributary/contracts';
import { waitUntil } from '@tributary/test-kit';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { Client } from 'pg';
import { OPERATOR, TestApi } from './support/api';
import { listRoutes } from './support/routes';

let api: TestApi;
let db: Client;
let operator: string;
let edgeA: { edgeId: string; credential: string };
let edgeB: { edgeId: string; credential: string };

interface TenantFixture {
  tenantId: string;
  key: string;
  streamId: string;
  streamKey: string;
  playbackId: string;
  eventId: string;
  apiKeyId: string;
  signingKeyId: string;
  privateKeyPem: string;
  sessionId: string;
  assetId: string;
  webhookId: string;
  usageAlertId: string;
}
let A: TenantFixture;
let B: TenantFixture;

/** One object of every tenant-owned type, made through the API. */
async function fixture(name: string, edge: { credential: string }): Promise<TenantFixture> {
  const { tenantId, key } = await api.tenantWithKey(name, operator);
  const stream = (await api.request('POST', '/v1/live-streams', { key, body: { name: `${name} stream` } }))
    .body;
  const event = (
    await api.request('POST', '/v1/live-events', {
      key,
      body: { liveStreamId: stream.id, title: `${name} event` },
    })
  ).body;
  const apiKey = (
    await api.request('POST', '/v1/api-keys', { key, body: { name: 'second', scopes: ['read'] } })
  ).body;
  const signingKey = (await api.request('POST', '/v1/signing-keys', { key, body: { name: 'backend' } })).body;
  const session = (
    await api.request('POST', EdgeApiPaths.sessions, {
      key: edge.credential,
      body: { liveStreamId: stream.id, clientIp: '10.1.1.1', video: null, audio: null },
    })
  ).body;
  // An asset (a small text file: it becomes errored, which is still the tenant's object).
  const form = new FormData();
  form.set('file', new Blob(['not a video']), 'notes.txt');
  const uploaded = await fetch(`${api.url}/v1/assets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  const asset = (await uploaded.json()) as { id: string };
  // Indexed in the background: wait for it, so that B's rows stay still while the test compares them.
  await waitUntil(
    async () => (await api.request('GET', `/v1/assets/${asset.id}`, { key })).body.status !== 'preparing',
    {
      timeoutMs: 10_000,
      what: 'the fixture asset indexed',
    },
  );
  // A webhook endpoint (a public address literal: registration needs no DNS; nothing it subscribes to happens).
  const webhook = (
    await api.request('POST', '/v1/webhooks', {
      key,
      body: { url: 'https://93.184.216.34/hook', events: ['asset.ready'] },
    })
  ).body;
  const usageAlert = (
    await api.request('POST', '/v1/usage-alerts', {
      key,
      body: { metric: 'egressBytes', period: 'month', threshold: 1e12 },
    })
  ).body;
  return {
    tenantId,
    key,
    webhookId: webhook.id,
    usageAlertId: usageAlert.id,
    assetId: asset.id,
    streamId: stream.id,
    streamKey: stream.streamKey,
    playbackId: stream.playbackId,
    eventId: event.id,
    apiKeyId: apiKey.id,
    signingKeyId: signingKey.id,
    privateKeyPem: signingKey.privateKeyPem,
    sessionId: session.sessionId,
  };
}

const TENANT_TABLES = [
  'assets',
  'api_keys',
  'live_streams',
  'live_events',
  'signing_keys',
  'ingest_sessions',
  'usage_hours',
  'webhook_endpoints',
  'webhook_deliveries',
  'usage_alerts',
  'invitations',
];
async function rowsOf(tenantId: string): Promise<string> {
  const out: unknown[] = [];
  for (const table of TENANT_TABLES) {
    out.push((await db.query(`SELECT * FROM "${table}" WHERE "tenantId" = $1 ORDER BY 1`, [tenantId])).rows);
  }
  out.push((await db.query('SELECT * FROM tenants WHERE id = $1', [tenantId])).rows);
  return JSON.stringify(out);
}

before(async () => {
  api = await TestApi.start();
  db = new Client({ connectionString: api.database.url });
  await db.connect();
  operator = await api.login();
  edgeA = await api.edge(operator, 'edge-a');
  edgeB = await api.edge(operator, 'edge-b');
  A = await fixture('Tenant A', edgeA);
  B = await fixture('Tenant B', edgeB);
});
after(async () => {
  await db?.end();
  await api?.close();
});

/**
 * The access rule of every route. A change here is a permission change: review
 * it as such, not as a snapshot refresh (DEVELOPERS.md: routes are private by default).
 */
const EXPECTED_ACCESS = `
DELETE /v1/api-keys/:id tenant:write
DELETE /v1/assets/:id tenant:write
DELETE /v1/edges/:id operator
DELETE /v1/live-streams/:id tenant:write
DELETE /v1/live-streams/:id/publish-credentials tenant:write
DELETE /v1/signing-keys/:id tenant:write
GET /healthz public
GET /live/:playbackId.smil public
GET /readyz public
GET /v1/api-keys tenant:read
GET /v1/assets tenant:read
GET /v1/assets/:id tenant:read
GET /v1/auth/me user
GET /v1/edge/assets/:playbackId edge
GET /v1/edge/assets/:playbackId/source edge
GET /v1/edge/changes edge
GET /v1/edge/playback-keys edge
GET /v1/edge/playback-keys/:kid edge
GET /v1/edge/streams/:playbackId/origin edge
GET /v1/edges operator
GET /v1/edges/:id operator
GET /v1/live-events tenant:read
GET /v1/live-events/:id tenant:read
GET /v1/live-streams tenant:read
GET /v1/live-streams/:id tenant:read
GET /v1/live-streams/:id/publish-credentials tenant:read
GET /v1/live-streams/:id/stream-key tenant:write
GET /v1/sessions tenant:read
GET /v1/sessions/:id tenant:read
GET /v1/signing-keys tenant:read
GET /v1/signing-keys/:id tenant:read
GET /v1/tenants operator
GET /v1/tenants/:id operator
GET /v1/tenants/:id/users operator
GET /v1/usage tenant:read
PATCH /v1/assets/:id tenant:write
PATCH /v1/live-events/:id tenant:write
PATCH /v1/live-streams/:id tenant:write
PATCH /v1/tenants/:id operator
POST /v1/api-keys tenant:write
POST /v1/assets tenant:write
POST /v1/assets/uploads tenant:write
HEAD /v1/assets/uploads/:id tenant:write
PATCH /v1/assets/uploads/:id tenant:write
DELETE /v1/assets/uploads/:id tenant:write
GET /v1/assets/uploads/:id tenant:write
OPTIONS /v1/assets/uploads public
OPTIONS /v1/assets/uploads/:id public
POST /v1/auth/login public
POST /v1/auth/logout user
POST /v1/edge/heartbeat edge
POST /v1/edge/live-stream-checks edge
POST /v1/edge/publish-auth/challenge edge
POST /v1/edge/publish-auth/verify edge
POST /v1/edge/publish-authorizations edge
POST /v1/edge/recordings edge
POST /v1/edge/sessions edge
POST /v1/edge/sessions/:sessionId/end edge
POST /v1/edge/sessions/:sessionId/stats edge
POST /v1/edges operator
POST /v1/live-events tenant:write
POST /v1/live-events/:id/transitions tenant:write
POST /v1/live-streams tenant:write
POST /v1/live-streams/:id/disable tenant:write
POST /v1/live-streams/:id/enable tenant:write
POST /v1/live-streams/:id/rotate-key tenant:write
PUT /v1/live-streams/:id/publish-credentials tenant:write
POST /v1/playback-tokens tenant:write
POST /v1/signing-keys tenant:write
POST /v1/tenants operator
POST /v1/tenants/:id/users operator
DELETE /v1/webhooks/:id tenant:write
GET /v1/webhooks tenant:read
GET /v1/webhooks/:id tenant:read
GET /v1/webhooks/:id/deliveries tenant:read
PATCH /v1/webhooks/:id tenant:write
POST /v1/webhooks tenant:write
POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver tenant:write
POST /v1/webhooks/:id/rotate-secret tenant:write
DELETE /v1/usage-alerts/:id tenant:write
GET /v1/usage-alerts tenant:read
GET /v1/usage-alerts/:id tenant:read
PATCH /v1/usage-alerts/:id tenant:write
POST /v1/usage-alerts tenant:write
GET /v1/members tenant:read
PATCH /v1/members/:userId tenant:write
DELETE /v1/members/:userId tenant:write
GET /v1/invitations tenant:read
POST /v1/invitations tenant:write
DELETE /v1/invitations/:id tenant:write
POST /v1/invitations/preview public
POST /v1/invitations/accept public
POST /v1/account/password user
GET /v1/account/sessions user
DELETE /v1/account/sessions/:id user
POST /v1/account/sessions/sign-out-others user
POST /v1/account/invitations/accept user
DELETE /v1/account/memberships/:tenantId user`;

test('every route declares its access rule, and the table is as reviewed', () => {
  const routes = listRoutes(api.api.app);
  assert.ok(
    routes.every((r) => r.access !== 'NONE'),
    'a route without @Access',
  );
  const actual = routes.map((r) => `${r.method} ${r.path} ${r.access}`).sort();
  const expected = EXPECTED_ACCESS.trim().split('\n').sort();
  assert.deepEqual(actual, expected);
});

/** Valid bodies so that a request gets past validation to the ownership check. */
const BODIES: Record<string, unknown> = {
  'PATCH /v1/live-streams/:id': { name: 'renamed' },
  'PATCH /v1/live-events/:id': { title: 'renamed' },
  'POST /v1/live-events/:id/transitions': { to: 'live' },
  'PATCH /v1/assets/:id': { name: 'renamed' },
  'PATCH /v1/webhooks/:id': { description: 'taken over' },
  'PATCH /v1/usage-alerts/:id': { enabled: false },
  'PUT /v1/live-streams/:id/publish-credentials': { username: 'taken-over', password: 'another-pass-1' },
};

test("tenant A cannot read, change or detect any of tenant B's objects (every tenant route with an id)", async () => {
  const idFor: Record<string, string> = {
    '/v1/api-keys': B.apiKeyId,
    '/v1/live-streams': B.streamId,
    '/v1/live-events': B.eventId,
    '/v1/signing-keys': B.signingKeyId,
    '/v1/sessions': B.sessionId,
    '/v1/assets': B.assetId,
    '/v1/webhooks': B.webhookId,
    '/v1/usage-alerts': B.usageAlertId,
    '/v1/invitations': 'inv_of_tenant_b',
  };
  // Invitations are created by signed-in owners only (not API keys): B's is planted directly.
  await db.query(
    `INSERT INTO invitations (id, "tenantId", email, role, "tokenHash", "expiresAt")
     VALUES ('inv_of_tenant_b', $1, 'invited@b.test', 'member', 'hash_of_b', now() + interval '1 day')`,
    [B.tenantId],
  );
  const before = await rowsOf(B.tenantId);
  // The tus protocol's upload URLs answer in tus's own plain-text shape: another tenant's upload id
  // is a 404 there too (test/uploads.test.ts), checked method by method.
  const tenantRoutes = listRoutes(api.api.app).filter(
    (r) =>
      r.access.startsWith('tenant:') && r.path.includes(':id') && !r.path.startsWith('/v1/assets/uploads'),
  );
  assert.equal(tenantRoutes.length, 30);
  for (const route of tenantRoutes) {
    const base = route.path.split('/:id')[0] ?? '';
    const id = idFor[base];
    assert.ok(id, `no fixture for ${route.path}`);
    const body = BODIES[`${route.method} ${route.path}`];
    const res = await api.request(route.method, route.path.replace(':id', id), {
      key: A.key,
      ...(body ? { body } : {}),
    });
    assert.equal(res.status, 404, `${route.method} ${route.path} with B's id gave ${res.status}`);
    assert.equal(res.body.error.code, 'not_found');
    // Indistinguishable from an id that never existed.
    const ghost = await api.request(route.method, route.path.replace(':id', `${id}x`), {
      key: A.key,
      ...(body ? { body } : {}),
    });
    assert.equal(ghost.body.error.message, res.body.error.message);
  }
  assert.equal(await rowsOf(B.tenantId), before, "B's rows unchanged");
});

test("lists show only the caller's objects, and a tenantId filter is refused", async () => {
  for (const path of [
    '/v1/assets',
    '/v1/api-keys',
    '/v1/live-streams',
    '/v1/live-events',
    '/v1/signing-keys',
    '/v1/sessions',
    '/v1/usage-alerts',
  ]) {
    const res = await api.request('GET', path, { key: A.key });
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    for (const id of [B.apiKeyId, B.streamId, B.eventId, B.signingKeyId, B.sessionId, B.assetId, B.tenantId])
      assert.ok(!text.includes(id), `${path} leaks ${id}`);
    const filtered = await api.request('GET', `${path}?tenantId=${B.tenantId}`, { key: A.key });
    assert.equal(filtered.status, 400);
  }
  assert.equal(
    (
      await api.request('POST', '/v1/live-events', {
        key: A.key,
        body: { liveStreamId: B.streamId, title: 'x' },
      })
    ).status,
    404,
  );
  assert.equal(
    (await api.request('POST', '/v1/playback-tokens', { key: A.key, body: { playbackId: B.playbackId } }))
      .status,
    404,
  );
  // An operator-only route with a tenant key, another tenant via X-Tenant-Id for a member.
  assert.equal((await api.request('GET', `/v1/tenants/${B.tenantId}`, { key: A.key })).status, 401);
  assert.equal(
    (await api.request('GET', '/v1/live-streams', { key: A.key, tenant: B.tenantId })).body.data[0].id ===
      B.streamId,
    false,
  );
});

test("an edge cannot report on another edge's session", async () => {
  const stats = { viewers: 1, bitrateKbps: 1, bytesInDelta: 1, bytesOutDelta: 1, viewerSecondsDelta: 1 };
  assert.equal(
    (
      await api.request('POST', EdgeApiPaths.sessionStats(B.sessionId), {
        key: edgeA.credential,
        body: stats,
      })
    ).status,
    404,
  );
  assert.equal(
    (
      await api.request('POST', EdgeApiPaths.sessionEnd(B.sessionId), {
        key: edgeA.credential,
        body: { reason: 'x', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 },
      })
    ).status,
    404,
  );
});

test('no secret is stored in plaintext; responses carry no hash or secret field', async () => {
  const edge = await api.edge(operator, 'edge-t4');
  const dump: string[] = [];
  const tables = (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map(
    (r) => r.tablename as string,
  );
  for (const t of tables) dump.push(JSON.stringify((await db.query(`SELECT * FROM "${t}"`)).rows));
  const all = dump.join('\n');
  const secrets = [
    A.key,
    B.key,
    A.streamKey,
    B.streamKey,
    edge.credential,
    OPERATOR.password,
    operator.split('=')[1] ?? 'x',
  ];
  for (const s of secrets) assert.ok(!all.includes(s), `a secret (${s.slice(0, 8)}…) is stored in plaintext`);
  const pemBody = A.privateKeyPem.split('\n').slice(1, -2).join('');
  assert.ok(pemBody.length > 20 && !all.includes(pemBody), "a tenant's private signing key is stored");
  assert.ok(!all.includes('PRIVATE KEY'), 'a private key PEM is stored');

  const forbidden =
    /keyHash|streamKeyHmac|streamKeyEncrypted|credentialHash|passwordHash|privateKeyEncrypted|tokenHash/;
  for (const path of [
    '/v1/assets',
    '/v1/api-keys',
    '/v1/live-streams',
    '/v1/live-events',
    '/v1/signing-keys',
    '/v1/sessions',
    `/v1/live-streams/${A.streamId}`,
  ]) {
    assert.doesNotMatch(JSON.stringify((await api.request('GET', path, { key: A.key })).body), forbidden);
  }
  for (const path of ['/v1/edges', '/v1/tenants', `/v1/tenants/${A.tenantId}/users`, '/v1/auth/me']) {
    const text = JSON.stringify((await api.request('GET', path, { cookie: operator })).body);
    assert.doesNotMatch(text, forbidden);
    assert.ok(!text.includes(edge.credential));
  }
  const list = await api.request('GET', '/v1/api-keys', { key: A.key });
  assert.ok(
    list.body.data.every(
      (k: { prefix: string }) => k.prefix.length === 12 && k.prefix.startsWith('tk_live_'),
    ),
  );
});

test('missing, malformed, unknown and revoked credentials are refused with 401', async () => {
  assert.equal((await api.request('GET', '/v1/live-streams')).status, 401);
  for (const bad of ['tk_live_nope', 'garbage', `${A.key}x`, 'Bearer']) {
    const res = await api.request('GET', '/v1/live-streams', { headers: { authorization: `Bearer ${bad}` } });
    assert.equal(res.status, 401, bad);
    assert.equal(res.body.error.code, 'unauthenticated');
  }
  const extra = (await api.request('POST', '/v1/api-keys', { key: A.key, body: { name: 'to revoke' } })).body;
  assert.equal((await api.request('GET', '/v1/live-streams', { key: extra.key })).status, 200);
  assert.equal((await api.request('DELETE', `/v1/api-keys/${extra.id}`, { key: A.key })).status, 204);
  assert.equal((await api.request('GET', '/v1/live-streams', { key: extra.key })).status, 401);
  const listed = (await api.request('GET', '/v1/api-keys', { key: A.key })).body.data.find(
    (k: { id: string }) => k.id === extra.id,
  );
  assert.ok(listed.revokedAt && listed.lastUsedAt);
  // A read-only key cannot write (scope).
  const ro = (
    await api.request('POST', '/v1/api-keys', { key: A.key, body: { name: 'ro', scopes: ['read'] } })
  ).body;
  assert.equal((await api.request('GET', '/v1/live-streams', { key: ro.key })).status, 200);
  assert.equal(
    (await api.request('POST', '/v1/live-streams', { key: ro.key, body: { name: 'x' } })).status,
    403,
  );
  assert.equal(
    (await api.request('GET', `/v1/live-streams/${A.streamId}/stream-key`, { key: ro.key })).status,
    403,
  );
  // Edge routes refuse tenant keys and deregistered edges.
  assert.equal((await api.request('GET', EdgeApiPaths.playbackKeys, { key: A.key })).status, 401);
  const gone = await api.edge(operator, 'edge-gone');
  assert.equal((await api.request('DELETE', `/v1/edges/${gone.edgeId}`, { cookie: operator })).status, 204);
  assert.equal((await api.request('GET', EdgeApiPaths.playbackKeys, { key: gone.credential })).status, 401);
  // An expired dashboard session.
  const cookie = await api.login();
  await db.query(`UPDATE user_sessions SET "expiresAt" = now() - interval '1 minute'`);
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie })).status, 401);
  operator = await api.login();
});

async function edgeKeySet() {
  const keys = PlaybackKeysResponseSchema.parse(
    (await api.request('GET', EdgeApiPaths.playbackKeys, { key: edgeA.credential })).body,
  );
  return { keys, jwks: createLocalJWKSet({ keys: keys.keys.map((k) => ({ ...k.jwk, kid: k.kid })) }) };
}

test('playback tokens: expiry, tampering, wrong key, TTL ceiling, tenant signing keys and revocation', async () => {
  const minted = (
    await api.request('POST', '/v1/playback-tokens', {
      key: A.key,
      body: { playbackId: A.playbackId, ttlSeconds: 60, clientIp: '1.2.3.4' },
    })
  ).body;
  const { jwks } = await edgeKeySet();
  const opts = { audience: PLAYBACK_TOKEN_AUDIENCE, algorithms: ['EdDSA'] };
  const ok = await jwtVerify(minted.token, jwks, opts);
  assert.equal(ok.payload.ip, '1.2.3.4');
  assert.equal((ok.payload.exp ?? 0) - (ok.payload.iat ?? 0), 60);
  // Expired (exp + 31 s, beyond the 30 s skew allowance).
  await assert.rejects(
    jwtVerify(minted.token, jwks, {
      ...opts,
      clockTolerance: 30,
      currentDate: new Date(((ok.payload.exp ?? 0) + 31) * 1000),
    }),
  );
  // Tampered: another playback id in the payload, same signature.
  const [h, p, s] = minted.token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.sub = B.playbackId;
  await assert.rejects(
    jwtVerify(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`, jwks, opts),
  );
  // Signed by a key the platform does not know, under a known kid.
  const { generateKeyPairSync } = await import('node:crypto');
  const rogue = generateKeyPairSync('ed25519').privateKey;
  const forged = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(minted.token).kid ?? '' })
    .setSubject(A.playbackId)
    .setAudience(PLAYBACK_TOKEN_AUDIENCE)
    .setExpirationTime('5m')
    .sign(rogue);
  await assert.rejects(jwtVerify(forged, jwks, opts));
  // TTL beyond the maximum is refused at minting.
  assert.equal(
    (
      await api.request('POST', '/v1/playback-tokens', {
        key: A.key,
        body: { playbackId: A.playbackId, ttlSeconds: 86401 },
      })
    ).status,
    400,
  );

  // A tenant's own key: signs in their backend, verifies at the edge, bound to the tenant; revoked → gone from the set.
  const own = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: A.signingKeyId })
    .setSubject(A.playbackId)
    .setAudience(PLAYBACK_TOKEN_AUDIENCE)
    .setExpirationTime('5m')
    .sign(createPrivateKey(A.privateKeyPem));
  const set = await edgeKeySet();
  assert.equal(set.keys.keys.find((k) => k.kid === A.signingKeyId)?.tenantId, A.tenantId);
  assert.equal(set.keys.keys.filter((k) => k.tenantId === null).length, 1, 'one platform key');
  await jwtVerify(own, set.jwks, opts);
  assert.equal(
    (await api.request('DELETE', `/v1/signing-keys/${A.signingKeyId}`, { key: A.key })).status,
    204,
  );
  assert.equal(
    (await api.request('GET', `/v1/signing-keys/${A.signingKeyId}`, { key: A.key })).body.revokedAt !== null,
    true,
  );
  await assert.rejects(jwtVerify(own, (await edgeKeySet()).jwks, opts));
});

test('unknown fields (tenantId, id, keyHash, role…) are refused with field details', async () => {
  const cases: [string, string, unknown, string][] = [
    ['POST', '/v1/live-streams', { name: 'x', tenantId: B.tenantId }, 'tenantId'],
    ['PATCH', `/v1/live-streams/${A.streamId}`, { id: 'ls_mine', streamKeyHmac: 'x' }, 'id'],
    ['POST', '/v1/api-keys', { name: 'x', keyHash: 'abc' }, 'keyHash'],
    ['POST', '/v1/live-events', { liveStreamId: A.streamId, title: 't', state: 'live' }, 'state'],
    ['POST', '/v1/signing-keys', { name: 'x', isAdmin: true }, 'isAdmin'],
  ];
  for (const [method, path, body, field] of cases) {
    const res = await api.request(method, path, { key: A.key, body });
    assert.equal(res.status, 400, `${method} ${path}`);
    assert.equal(res.body.error.code, 'validation_failed');
    assert.ok(
      res.body.error.details.some((d: { field: string }) => d.field === field),
      JSON.stringify(res.body),
    );
    assert.ok(res.body.error.requestId);
    assert.equal(res.headers.get('x-request-id'), res.body.error.requestId);
  }
  const role = await api.request('POST', `/v1/tenants/${A.tenantId}/users`, {
    cookie: operator,
    body: { email: 'x@y.test', name: 'x', password: 'long-enough-1', role: 'operator' },
  });
  assert.equal(role.status, 400);
  const quota = await api.request('PATCH', `/v1/tenants/${A.tenantId}`, {
    key: A.key,
    body: { maxLiveStreams: 1000 },
  });
  assert.equal(quota.status, 401, 'tenants cannot raise their own limits');
});

test('limit is clamped, a 2 MB body is 413, malformed JSON is 400', async () => {
  const page = await api.request('GET', '/v1/live-streams?limit=1000000', { key: A.key });
  assert.equal(page.status, 200);
  assert.ok(page.body.data.length <= 100);
  const big = await api.request('POST', '/v1/live-streams', {
    key: A.key,
    rawBody: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
  });
  assert.equal(big.status, 413);
  assert.equal(big.body.error.code, 'payload_too_large');
  const broken = await api.request('POST', '/v1/live-streams', { key: A.key, rawBody: '{"name": ' });
  assert.equal(broken.status, 400);
  assert.equal(broken.body.error.code, 'bad_request');
});

test('the per-key rate limit is shared by two api instances and answers 429 with Retry-After', async () => {
  const limit = 6;
  const one = await TestApi.start({ RATE_LIMIT_PER_MINUTE: String(limit) }, api);
  const two = await TestApi.start({ RATE_LIMIT_PER_MINUTE: String(limit) }, api);
  try {
    const key = (await api.request('POST', '/v1/api-keys', { key: A.key, body: { name: 'limited' } })).body
      .key;
    // Windows are whole minutes: start the burst in a fresh one so it cannot straddle a boundary.
    const toBoundary = 60_000 - (Date.now() % 60_000);
    if (toBoundary < 5000) await new Promise((r) => setTimeout(r, toBoundary + 50));
    const statuses: number[] = [];
    for (let i = 0; i < limit + 2; i++)
      statuses.push((await (i % 2 ? one : two).request('GET', '/v1/usage', { key })).status);
    assert.deepEqual(statuses.slice(0, limit), Array(limit).fill(200));
    const limited = await one.request('GET', '/v1/usage', { key });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60);
  } finally {
    await one.close();
    await two.close();
  }
});
