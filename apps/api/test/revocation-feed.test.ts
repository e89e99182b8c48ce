import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ChangesResponseSchema,
  EdgeApiPaths,
  PLAYBACK_KEYS_MAX_PAGE,
  PlaybackKeySchema,
  PlaybackKeysResponseSchema,
} from '@tributary/contracts';
import { Client } from 'pg';
import { ControlFeed } from '../src/modules/control-feed/control-feed.service';
import { TestApi } from './support/api';

/**
 * The control feed as edges see it (GET /v1/edge/changes over HTTP) with two api instances on one
 * database: every revocation is an event, in commit order, whichever instance wrote it; a long-poll
 * on one instance wakes when the other commits; a cursor survives an api restart; a cursor older
 * than the retention resyncs. Plus the two other halves of the same class: a suspended tenant's API
 * keys stop working, and playback keys are distributed in pages and by kid, never all at once.
 */

/** Every wait in this file ends by this deadline, failing the test. */
const DEADLINE_MS = 10_000;

let a: TestApi;
let b: TestApi;
let db: Client;
let operator: string;
let edge: { credential: string };
let tenant: { tenantId: string; key: string };

before(async () => {
  a = await TestApi.start();
  b = await TestApi.start({}, a);
  db = new Client({ connectionString: a.database.url });
  await db.connect();
  operator = await a.login();
  edge = await a.edge(operator);
  tenant = await a.tenantWithKey('Feed', operator);
});

after(async () => {
  await db?.end();
  await b?.close();
  await a?.close();
});

async function changes(api: TestApi, after?: string, waitSeconds = 0) {
  const query = new URLSearchParams({ waitSeconds: String(waitSeconds) });
  if (after !== undefined) query.set('after', after);
  const res = await api.request('GET', `${EdgeApiPaths.changes}?${query}`, { key: edge.credential });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return ChangesResponseSchema.parse(res.body);
}

async function head(api: TestApi): Promise<string> {
  const res = await changes(api);
  assert.equal(res.resync, true, 'a request without a cursor is told to load its state');
  return res.cursor;
}

function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function stream(api: TestApi, name: string) {
  const res = await api.request('POST', '/v1/live-streams', { key: tenant.key, body: { name } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; streamKey: string; playbackId: string };
}

test('every revocation and key change is one event, in commit order, whichever instance wrote it', async () => {
  const start = await head(a);
  const s = await stream(a, 'events');
  assert.equal(
    (await a.request('POST', `/v1/live-streams/${s.id}/rotate-key`, { key: tenant.key })).status,
    200,
  );
  assert.equal(
    (await b.request('POST', `/v1/live-streams/${s.id}/disable`, { key: tenant.key })).status,
    200,
  );
  assert.equal((await a.request('POST', `/v1/live-streams/${s.id}/enable`, { key: tenant.key })).status, 200);
  const sk = await b.request('POST', '/v1/signing-keys', { key: tenant.key, body: { name: 'backend' } });
  assert.equal(sk.status, 201);
  assert.equal(
    (await a.request('DELETE', `/v1/signing-keys/${sk.body.id}`, { key: tenant.key })).status,
    204,
  );
  const suspend = (status: string) =>
    b.request('PATCH', `/v1/tenants/${tenant.tenantId}`, { cookie: operator, body: { status } });
  assert.equal((await suspend('suspended')).status, 200);
  assert.equal((await suspend('active')).status, 200);
  assert.equal((await b.request('DELETE', `/v1/live-streams/${s.id}`, { key: tenant.key })).status, 204);
  // A change that fails writes nothing: revoking an unknown key is a 404 and no event.
  assert.equal((await a.request('DELETE', '/v1/signing-keys/sk_missing', { key: tenant.key })).status, 404);

  const res = await changes(b, start);
  assert.equal(res.resync, false);
  assert.deepEqual(
    res.events.map((e) => [e.kind, e.liveStreamId ?? e.signingKeyId ?? e.tenantId]),
    [
      ['stream_key_rotated', s.id],
      ['stream_disabled', s.id],
      ['stream_enabled', s.id],
      ['signing_key_created', sk.body.id],
      ['signing_key_revoked', sk.body.id],
      ['tenant_suspended', tenant.tenantId],
      ['tenant_reactivated', tenant.tenantId],
      ['stream_deleted', s.id],
    ],
  );
  assert.ok(res.events.every((e) => e.tenantId === tenant.tenantId));
  const ids = res.events.map((e) => BigInt(e.id));
  assert.ok(
    ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0n)),
    'ids increase',
  );
  assert.equal(res.cursor, res.events.at(-1)?.id);
  assert.deepEqual((await changes(a, res.cursor)).events, [], 'nothing after the last event');
});

test('a long-poll parked on one instance wakes when the other instance commits', async () => {
  const s = await stream(a, 'wake');
  const cursor = await head(b);
  // waitSeconds 30 and a deadline of 10 s: only a wake-up (not the wait running out) can pass.
  const poll = withinDeadline(changes(b, cursor, 30), 'long-poll on instance b');
  assert.equal(
    (await a.request('POST', `/v1/live-streams/${s.id}/disable`, { key: tenant.key })).status,
    200,
  );
  const res = await poll;
  assert.deepEqual(
    res.events.map((e) => [e.kind, e.liveStreamId]),
    [['stream_disabled', s.id]],
  );
});

test('one edge may park only a few long-polls; the next is refused with 429', async () => {
  const s = await stream(a, 'parked');
  const cursor = await head(a);
  // Five at once: whichever comes fifth finds four parked and is refused; the four wait for the event.
  const polls = Array.from({ length: 5 }, () =>
    withinDeadline(
      a.request('GET', `${EdgeApiPaths.changes}?after=${cursor}&waitSeconds=30`, { key: edge.credential }),
      'long-poll',
    ),
  );
  const first = await Promise.race(polls);
  assert.equal(first.status, 429, 'the fifth is refused at once');
  assert.equal(
    (await a.request('POST', `/v1/live-streams/${s.id}/disable`, { key: tenant.key })).status,
    200,
  );
  const all = await Promise.all(polls);
  assert.deepEqual(all.map((r) => r.status).sort(), [200, 200, 200, 200, 429]);
  for (const r of all.filter((x) => x.status === 200))
    assert.equal(r.body.events[0]?.kind, 'stream_disabled');
});

test('a long-poll whose edge hung up is released at once, so a reconnecting edge is not refused', async () => {
  const cursor = await head(a);
  const url = `${a.url}${EdgeApiPaths.changes}?after=${cursor}&waitSeconds=30`;
  const headers = { authorization: `Bearer ${edge.credential}` };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const hangUps = Array.from({ length: 4 }, () => new AbortController());
  const zombies = hangUps.map((c) => fetch(url, { headers, signal: c.signal }).catch(() => 'hung up'));
  await sleep(300);
  for (const c of hangUps) c.abort();
  await Promise.all(zombies);
  // Four hung-up polls would fill the edge's allowance until their 30 s ran out; released, a new one parks.
  await withinDeadline(
    (async () => {
      for (;;) {
        const probe = new AbortController();
        const outcome = await Promise.race([
          fetch(url, { headers, signal: probe.signal }).then((r) => r.status),
          sleep(500).then(() => 'parked' as const),
        ]);
        probe.abort();
        if (outcome === 'parked') return;
        assert.equal(outcome, 429);
        await sleep(50);
      }
    })(),
    'a new long-poll parks',
  );
});

test('a cursor survives an api restart: a new instance continues from it', async () => {
  const s = await stream(a, 'restart');
  const cursor = await head(b);
  await b.close();
  assert.equal(
    (await a.request('POST', `/v1/live-streams/${s.id}/rotate-key`, { key: tenant.key })).status,
    200,
  );
  b = await TestApi.start({}, a);
  const res = await withinDeadline(changes(b, cursor, 30), 'long-poll on the restarted instance');
  assert.deepEqual(
    res.events.map((e) => [e.kind, e.liveStreamId]),
    [['stream_key_rotated', s.id]],
  );
});

test('a cursor older than the retention, or unknown to this database, resyncs', async () => {
  const s = await stream(a, 'retention');
  await a.request('POST', `/v1/live-streams/${s.id}/rotate-key`, { key: tenant.key });
  await a.request('POST', `/v1/live-streams/${s.id}/rotate-key`, { key: tenant.key });
  const newest = await head(a);
  await db.query(`UPDATE control_events SET "createdAt" = now() - interval '400 days'`);
  const purged = await a.api.app.get(ControlFeed).purge();
  assert.ok(purged >= 2, `purged ${purged}`);
  const { rows } = await db.query<{ id: string }>('SELECT id::text FROM control_events');
  assert.deepEqual(
    rows.map((r) => r.id),
    [newest],
    'the newest row is kept: it anchors the head',
  );

  const stale = await changes(b, '1');
  assert.deepEqual(stale, { events: [], cursor: newest, resync: true });
  const foreign = await changes(b, (BigInt(newest) + 1000n).toString());
  assert.deepEqual(foreign, { events: [], cursor: newest, resync: true });
  assert.equal((await changes(b, newest)).resync, false, 'the newest cursor is still good');
  assert.equal(
    (await b.request('GET', `${EdgeApiPaths.changes}?after=-1`, { key: edge.credential })).status,
    400,
    'a cursor is a decimal number',
  );
});

test("a suspended tenant's API keys are refused (403), and work again when it is reactivated", async () => {
  const other = await a.tenantWithKey('Bystander', operator);
  const status = (api: TestApi, key: string) => api.request('GET', '/v1/live-streams', { key });
  assert.equal((await status(a, tenant.key)).status, 200);
  await a.request('PATCH', `/v1/tenants/${tenant.tenantId}`, {
    cookie: operator,
    body: { status: 'suspended' },
  });
  for (const api of [a, b]) {
    const refused = await status(api, tenant.key);
    assert.equal(refused.status, 403, 'on every instance');
    assert.equal(refused.body.error.code, 'forbidden');
    assert.match(refused.body.error.message, /suspended/);
  }
  assert.equal((await status(b, other.key)).status, 200, 'other tenants are not affected');
  await a.request('PATCH', `/v1/tenants/${tenant.tenantId}`, {
    cookie: operator,
    body: { status: 'active' },
  });
  assert.equal((await status(b, tenant.key)).status, 200);
});

test("thousands of one tenant's signing keys are paged, and another tenant's key is still found", async () => {
  const flooder = await a.tenantWithKey('Flooder', operator);
  const KEYS = 3000;
  // Rows written directly (the API's per-tenant cap would stop a real flood long before).
  await db.query(
    `INSERT INTO signing_keys ("id", "tenantId", "name", "publicKeyPem", "publicKeyX")
     SELECT 'sk_flood' || lpad(i::text, 5, '0'), $1, 'flood', 'unused', $2 FROM generate_series(1, ${KEYS}) AS i`,
    [flooder.tenantId, randomBytes(32).toString('base64url')],
  );
  const mine = await a.request('POST', '/v1/signing-keys', { key: tenant.key, body: { name: 'mine' } });
  assert.equal(mine.status, 201);

  const kids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 100, 'paging ends');
    const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
    const res = await b.request('GET', `${EdgeApiPaths.playbackKeys}${query}`, { key: edge.credential });
    assert.equal(res.status, 200);
    const page = PlaybackKeysResponseSchema.parse(res.body);
    assert.ok(page.keys.length <= PLAYBACK_KEYS_MAX_PAGE);
    assert.ok(JSON.stringify(res.body).length < 256 * 1024, 'a page stays far below the edge response cap');
    kids.push(...page.keys.map((k) => k.kid));
    if (page.next === null) break;
    after = page.next;
  }
  assert.equal(new Set(kids).size, kids.length, 'no key twice');
  assert.ok(kids.length >= KEYS + 2, `${kids.length} keys: the flood, the platform key and mine`);
  assert.ok(kids.includes(mine.body.id));

  const one = await b.request('GET', EdgeApiPaths.playbackKey(mine.body.id), { key: edge.credential });
  assert.equal(one.status, 200);
  assert.equal(PlaybackKeySchema.parse(one.body).tenantId, tenant.tenantId);
  assert.equal(
    (await b.request('GET', EdgeApiPaths.playbackKey('sk_unknown'), { key: edge.credential })).status,
    404,
  );
  await a.request('DELETE', `/v1/signing-keys/${mine.body.id}`, { key: tenant.key });
  assert.equal(
    (await b.request('GET', EdgeApiPaths.playbackKey(mine.body.id), { key: edge.credential })).status,
    404,
    'a revoked key is not served',
  );
  assert.equal(
    (await b.request('GET', EdgeApiPaths.playbackKey(mine.body.id), { key: tenant.key })).status,
    401,
    'edge credential only',
  );
});

test('after a resync an edge learns which of its live streams may no longer publish (rotated keys too)', async () => {
  const digest = (key: string) => createHash('sha256').update(key).digest('base64url');
  const live = await stream(a, 'checked');
  const gone = await stream(a, 'disabled');
  const rotated = await stream(a, 'rotated');
  await a.request('POST', `/v1/live-streams/${gone.id}/disable`, { key: tenant.key });
  const check = (streams: Array<{ liveStreamId: string; keyDigest: string }>) =>
    b.request('POST', EdgeApiPaths.liveStreamChecks, { key: edge.credential, body: { streams } });
  const asked = [
    { liveStreamId: live.id, keyDigest: digest(live.streamKey) },
    { liveStreamId: gone.id, keyDigest: digest(gone.streamKey) },
    { liveStreamId: rotated.id, keyDigest: digest(rotated.streamKey) },
    { liveStreamId: 'ls_deleted', keyDigest: digest('x') },
  ];
  const before = await check(asked);
  assert.equal(before.status, 200);
  assert.deepEqual(before.body, { revoked: [gone.id, 'ls_deleted'] });
  await a.request('POST', `/v1/live-streams/${rotated.id}/rotate-key`, { key: tenant.key });
  assert.deepEqual((await check(asked)).body, { revoked: [gone.id, rotated.id, 'ls_deleted'] });
});
