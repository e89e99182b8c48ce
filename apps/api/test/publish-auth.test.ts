import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AuthorizePublishResponseSchema,
  ChangesResponseSchema,
  EdgeApiPaths,
  PublishAuthChallengeResponseSchema,
  PublishAuthVerifyResponseSchema,
} from '@tributary/contracts';
import { TestApi } from './support/api';

/**
 * Publish credentials (authmod=adobe) in the control plane: the tenant sets a username and password on
 * a stream (never shown again), the edge asks for a challenge and has its answer verified once, by
 * any api instance; replayed, expired and forged opaques are refused.
 */

let api: TestApi;
/** A second instance of the same deployment (database, SECRETS_KEY). */
let peer: TestApi;
/** A third whose challenges live one second. */
let shortLived: TestApi;
/** A fourth that allows two wrong answers per username per minute. */
let braked: TestApi;
let operator: string;
let tenant: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
let edge: { credential: string };
let stream: { id: string; streamKey: string };

/** The client's computation, written here from the protocol (not the api's code). */
const md5b64 = (s: string) => createHash('md5').update(s, 'utf8').digest('base64');
const answer = (user: string, password: string, salt: string, opaqueOrChallenge: string, cc: string) =>
  md5b64(md5b64(user + salt + password) + opaqueOrChallenge + cc);

const USER = `enc-${randomBytes(4).toString('hex')}`;
const PASSWORD = 'correct-horse-1';

async function challenge(via: TestApi, user = USER) {
  const res = await via.request('POST', EdgeApiPaths.publishAuthChallenge, {
    key: edge.credential,
    body: { user, app: 'live', clientIp: '192.0.2.1' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return PublishAuthChallengeResponseSchema.parse(res.body);
}

async function verify(via: TestApi, body: Record<string, string>) {
  const res = await via.request('POST', EdgeApiPaths.publishAuthVerify, {
    key: edge.credential,
    body: { app: 'live', clientIp: '192.0.2.1', ...body },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return PublishAuthVerifyResponseSchema.parse(res.body);
}

/**
 * Verifies through `via` the answer `user` (USER) with `password` (PASSWORD) gives to challenge `c`
 * with client challenge `cc`, hashing `opaque` (the challenge's own unless given).
 */
function answerChallenge(
  via: TestApi,
  c: { salt: string; opaque: string },
  cc: string,
  { user = USER, password = PASSWORD, opaque = c.opaque } = {},
) {
  return verify(via, {
    user,
    opaque,
    clientChallenge: cc,
    response: answer(user, password, c.salt, opaque, cc),
  });
}

async function grant(streamKey: string) {
  const res = await api.request('POST', EdgeApiPaths.authorizePublish, {
    key: edge.credential,
    body: { streamKey, app: 'live', clientIp: '192.0.2.1' },
  });
  assert.equal(res.status, 200);
  return AuthorizePublishResponseSchema.parse(res.body);
}

before(async () => {
  api = await TestApi.start();
  peer = await TestApi.start({}, api);
  shortLived = await TestApi.start({ PUBLISH_AUTH_CHALLENGE_TTL_SECONDS: '1' }, api);
  braked = await TestApi.start({ PUBLISH_AUTH_FAILURES_PER_MINUTE: '2' }, api);
  operator = await api.login();
  tenant = await api.tenantWithKey('Encoders Inc', operator);
  other = await api.tenantWithKey('Someone Else', operator);
  edge = await api.edge(operator, 'auth-edge');
  const s = await api.request('POST', '/v1/live-streams', { key: tenant.key, body: { name: 'fmle' } });
  assert.equal(s.status, 201);
  stream = { id: s.body.id, streamKey: s.body.streamKey };
});
after(async () => {
  await braked?.close();
  await shortLived?.close();
  await peer?.close();
  await api?.close();
});

test('a tenant sets publish credentials on its stream; the password and its hash are never returned', async () => {
  const path = `/v1/live-streams/${stream.id}/publish-credentials`;
  assert.equal((await api.request('GET', path, { key: tenant.key })).status, 404);
  const plain = await grant(stream.streamKey);
  assert.ok(plain.allowed);
  assert.equal(plain.publishCredentials, false);
  const bad = await api.request('PUT', path, {
    key: tenant.key,
    body: { username: 'a b', password: 'short' },
  });
  assert.equal(bad.status, 400);
  const set = await api.request('PUT', path, {
    key: tenant.key,
    body: { username: USER, password: PASSWORD },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(Object.keys(set.body).sort(), ['authmod', 'createdAt', 'updatedAt', 'username']);
  assert.equal(set.body.username, USER);
  assert.ok(!JSON.stringify(set.body).includes(PASSWORD));
  const got = await api.request('GET', path, { key: tenant.key });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, set.body);
  // Another tenant does not see it, and cannot set one on this stream.
  assert.equal((await api.request('GET', path, { key: other.key })).status, 404);
  assert.equal(
    (await api.request('PUT', path, { key: other.key, body: { username: 'x-other', password: PASSWORD } }))
      .status,
    404,
  );
  // Usernames are unique across the platform: another tenant's stream cannot take it.
  const s2 = await api.request('POST', '/v1/live-streams', { key: other.key, body: { name: 'taken' } });
  const taken = await api.request('PUT', `/v1/live-streams/${s2.body.id}/publish-credentials`, {
    key: other.key,
    body: { username: USER, password: PASSWORD },
  });
  assert.equal(taken.status, 409, JSON.stringify(taken.body));
  const g = await grant(stream.streamKey);
  assert.ok(g.allowed);
  assert.equal(g.publishCredentials, true);
});

test('the right answer verifies on another api instance, exactly once; the server challenge works too', async () => {
  const c = await challenge(api);
  assert.match(c.salt, /^[A-Za-z0-9_-]{8}$/);
  assert.match(c.opaque, /^[A-Za-z0-9_-]{43}$/);
  const cc = randomBytes(4).toString('hex');
  const response = answer(USER, PASSWORD, c.salt, c.opaque, cc);
  const ok = await verify(peer, { user: USER, opaque: c.opaque, clientChallenge: cc, response });
  assert.deepEqual(ok, { ok: true, liveStreamId: stream.id, tenantId: tenant.tenantId });
  // The same answer again, through either instance: replayed.
  assert.deepEqual(await verify(api, { user: USER, opaque: c.opaque, clientChallenge: cc, response }), {
    ok: false,
    reason: 'replayed',
  });
  assert.deepEqual(
    await verify(peer, { user: USER, opaque: c.opaque, clientChallenge: 'deadbeef', response }),
    {
      ok: false,
      reason: 'replayed',
    },
  );
  // A client that hashes the challenge instead of the opaque (both are in the rejection).
  const c2 = await challenge(peer);
  const viaChallenge = answer(USER, PASSWORD, c2.salt, c2.challenge, cc);
  assert.equal(
    (await verify(api, { user: USER, opaque: c2.opaque, clientChallenge: cc, response: viaChallenge })).ok,
    true,
  );
});

test('wrong password, tampered or foreign opaque, unknown user and an expired challenge are refused', async () => {
  const cc = '0badf00d';
  const c = await challenge(api);
  assert.deepEqual(await answerChallenge(api, c, cc, { password: 'wrong-password' }), {
    ok: false,
    reason: 'wrong_response',
  });
  // One attempt per challenge: the right answer after a wrong one is a replay.
  assert.equal((await answerChallenge(api, c, cc)).ok, false);
  const fresh = await challenge(api);
  const flipped = `${fresh.opaque.slice(0, 10)}${fresh.opaque[10] === 'A' ? 'B' : 'A'}${fresh.opaque.slice(11)}`;
  assert.deepEqual(await answerChallenge(api, fresh, cc, { opaque: flipped }), {
    ok: false,
    reason: 'forged',
  });
  assert.deepEqual(
    await verify(api, { user: USER, opaque: 'not-an-opaque', clientChallenge: cc, response: 'x' }),
    { ok: false, reason: 'forged' },
  );
  // Another user's challenge does not open this user's credential.
  const decoy = await challenge(api, 'nobody-here');
  assert.match(decoy.salt, /^[A-Za-z0-9_-]{8}$/);
  assert.equal((await challenge(api, 'nobody-here')).salt, decoy.salt, 'an unknown user sees a stable salt');
  assert.deepEqual(
    await verify(api, {
      user: USER,
      opaque: decoy.opaque,
      clientChallenge: cc,
      response: answer(USER, PASSWORD, fresh.salt, decoy.opaque, cc),
    }),
    { ok: false, reason: 'forged' },
  );
  assert.deepEqual(await answerChallenge(api, decoy, cc, { user: 'nobody-here' }), {
    ok: false,
    reason: 'unknown_user',
  });
  const late = await challenge(shortLived);
  await new Promise((r) => setTimeout(r, 2100));
  assert.deepEqual(await answerChallenge(api, late, cc), { ok: false, reason: 'expired' });
});

test('only edges reach the challenge; changing the credential tells the edges and retires old answers', async () => {
  const noEdge = await api.request('POST', EdgeApiPaths.publishAuthChallenge, {
    key: tenant.key,
    body: { user: USER, app: 'live', clientIp: '192.0.2.1' },
  });
  assert.ok(noEdge.status === 401 || noEdge.status === 403, String(noEdge.status));
  const head = ChangesResponseSchema.parse(
    (await api.request('GET', EdgeApiPaths.changes, { key: edge.credential })).body,
  ).cursor;
  const path = `/v1/live-streams/${stream.id}/publish-credentials`;
  const before = await challenge(api);
  const set = await api.request('PUT', path, {
    key: tenant.key,
    body: { username: USER, password: 'another-pass-2' },
  });
  assert.equal(set.status, 200);
  const cc = 'cafebabe';
  // The opaque was bound to the old salt: the old password's answer no longer verifies.
  assert.equal((await answerChallenge(api, before, cc)).ok, false);
  assert.equal((await api.request('DELETE', path, { key: tenant.key })).status, 204);
  assert.equal((await api.request('DELETE', path, { key: tenant.key })).status, 404);
  const changes = ChangesResponseSchema.parse(
    (await api.request('GET', `${EdgeApiPaths.changes}?after=${head}`, { key: edge.credential })).body,
  );
  assert.deepEqual(
    changes.events.map((e) => [e.kind, e.liveStreamId]),
    [
      ['publish_credentials_changed', stream.id],
      ['publish_credentials_changed', stream.id],
    ],
  );
  const g = await grant(stream.streamKey);
  assert.ok(g.allowed);
  assert.equal(g.publishCredentials, false);
});

test('wrong answers for one username are limited per minute across edges and instances; then even the right one is refused', async () => {
  const user = `brk-${randomBytes(3).toString('hex')}`;
  const s2 = await api.request('POST', '/v1/live-streams', { key: tenant.key, body: { name: 'braked' } });
  const set = await api.request('PUT', `/v1/live-streams/${s2.body.id}/publish-credentials`, {
    key: tenant.key,
    body: { username: user, password: PASSWORD },
  });
  assert.equal(set.status, 200);
  // The budget is per minute window: start well inside one.
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 100));
  const cc = '12345678';
  for (const via of [api, peer]) {
    const c = await challenge(via, user);
    const r = await answerChallenge(braked, c, cc, { user, password: 'wrong-password' });
    assert.deepEqual(r, { ok: false, reason: 'wrong_response' });
  }
  const c = await challenge(braked, user);
  assert.deepEqual(await answerChallenge(braked, c, cc, { user }), { ok: false, reason: 'throttled' });
});

test('the OpenAPI document describes the publish-credentials and publish-auth routes', async () => {
  const doc = (await api.request('GET', '/openapi.json')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const creds = doc.paths['/v1/live-streams/{id}/publish-credentials'];
  assert.ok(creds, Object.keys(doc.paths).join(' '));
  assert.deepEqual(
    Object.keys(creds)
      .filter((m) => ['get', 'put', 'delete'].includes(m))
      .sort(),
    ['delete', 'get', 'put'],
  );
  assert.ok(doc.paths[EdgeApiPaths.publishAuthChallenge]?.post);
  assert.ok(doc.paths[EdgeApiPaths.publishAuthVerify]?.post);
});
