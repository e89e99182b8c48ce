import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AuthorizePublishResponseSchema,
  CreatedLiveStreamSchema,
  EdgeApiPaths,
  LiveStreamSchema,
  PLAYBACK_TOKEN_AUDIENCE,
  PlaybackKeysResponseSchema,
  PlaybackTokenSchema,
  UserSchema,
} from '@tributary/contracts';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TestApi } from './support/api';

let api: TestApi;
let operator: string;
let tenant: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };

before(async () => {
  api = await TestApi.start();
  operator = await api.login();
  tenant = await api.tenantWithKey('Acme', operator);
  edge = await api.edge(operator);
});
after(() => api?.close());

const authorize = (streamKey: string) =>
  api.request('POST', EdgeApiPaths.authorizePublish, {
    key: edge.credential,
    body: { streamKey, app: 'live', clientIp: '127.0.0.1' },
  });

test('health, readiness and the OpenAPI document are served', async () => {
  assert.equal((await api.request('GET', '/healthz')).body.status, 'ok');
  assert.equal((await api.request('GET', '/readyz')).status, 200);
  const doc = await api.request('GET', '/openapi.json');
  assert.equal(doc.status, 200);
  assert.ok(doc.body.paths['/v1/live-streams']);
  assert.ok(doc.body.paths['/v1/live-streams'].post.requestBody);
});

test('the operator signs in with a cookie and sees themself', async () => {
  const login = await api.request('POST', '/v1/auth/login', {
    body: { email: 'operator@test.local', password: 'operator-password-1' },
  });
  assert.match(
    login.headers.get('set-cookie') ?? '',
    /^tributary_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/,
  );
  const me = await api.request('GET', '/v1/auth/me', { cookie: operator });
  assert.equal(me.status, 200);
  const user = UserSchema.parse(me.body);
  assert.equal(user.isOperator, true);
  assert.equal(
    (
      await api.request('POST', '/v1/auth/login', {
        body: { email: 'operator@test.local', password: 'wrong-password' },
      })
    ).status,
    401,
  );
});

test('customer journey: stream, ingest URL, token, rotation, publish authorisation, sessions and usage', async () => {
  const { key } = tenant;
  // Create a live stream and read its ingest URL.
  const created = await api.request('POST', '/v1/live-streams', {
    key,
    body: { name: 'Main stage', playbackPolicy: 'signed' },
  });
  assert.equal(created.status, 201);
  const stream = CreatedLiveStreamSchema.parse(created.body);
  assert.equal(stream.status, 'idle');
  assert.match(stream.streamKey, /^sk_[A-Za-z0-9_-]+$/);
  assert.notEqual(stream.playbackId, stream.streamKey);
  assert.ok(
    !JSON.stringify(stream.playback).includes(stream.streamKey),
    'playback URLs never carry the stream key',
  );
  const got = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${stream.id}`, { key })).body,
  );
  assert.equal(got.ingest.length, 1);
  assert.equal(
    got.ingest[0]?.server,
    'rtmp://127.0.0.1:1935/live',
    'no healthy edge yet: the configured public URL',
  );
  assert.equal(
    (await api.request('GET', `/v1/live-streams/${stream.id}/stream-key`, { key })).body.streamKey,
    stream.streamKey,
  );

  // A heartbeat makes the edge healthy; ingest now points at it.
  const hb = await api.request('POST', EdgeApiPaths.heartbeat, {
    key: edge.credential,
    body: { version: '1.0.0', connections: 1, publishers: 0, viewers: 0, bytesInTotal: 0, bytesOutTotal: 0 },
  });
  assert.deepEqual(hb.body, { edgeId: edge.edgeId, heartbeatIntervalSeconds: 10, fleet: [] });
  const edgeView = await api.request('GET', `/v1/edges/${edge.edgeId}`, { cookie: operator });
  assert.equal(edgeView.body.status, 'healthy');
  const afterHb = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${stream.id}`, { key })).body,
  );
  assert.deepEqual(afterHb.ingest, [
    { edgeId: edge.edgeId, region: 'eu-west', server: 'rtmp://edge-1.test:1935/live' },
  ]);

  // A live event's title travels with the publish authorisation.
  const ev = await api.request('POST', '/v1/live-events', {
    key,
    body: { liveStreamId: stream.id, title: 'Keynote' },
  });
  assert.equal(ev.status, 201);

  // Issue a playback token and verify it with the public keys the edge fetches.
  const minted = await api.request('POST', '/v1/playback-tokens', {
    key,
    body: { playbackId: stream.playbackId, ttlSeconds: 600 },
  });
  assert.equal(minted.status, 201);
  const token = PlaybackTokenSchema.parse(minted.body);
  assert.ok(token.playback.hls?.endsWith(`?token=${token.token}`));
  const keys = PlaybackKeysResponseSchema.parse(
    (await api.request('GET', EdgeApiPaths.playbackKeys, { key: edge.credential })).body,
  );
  const verified = await jwtVerify(
    token.token,
    createLocalJWKSet({ keys: keys.keys.map((k) => ({ ...k.jwk, kid: k.kid })) }),
    {
      audience: PLAYBACK_TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
    },
  );
  assert.equal(verified.payload.sub, stream.playbackId);
  assert.equal(typeof verified.payload.jti, 'string');

  // The edge authorises the key, then refuses it after rotation; the new key works.
  const ok = AuthorizePublishResponseSchema.parse((await authorize(stream.streamKey)).body);
  assert.equal(ok.allowed, true);
  if (ok.allowed) {
    assert.equal(ok.liveStreamId, stream.id);
    assert.equal(ok.tenantId, tenant.tenantId);
    assert.equal(ok.playbackPolicy, 'signed');
    assert.equal(ok.eventTitle, 'Keynote');
    assert.ok(ok.cacheTtlSeconds <= 30);
  }

  // Players see the live event's title: a live event wins over one still scheduled.
  const later = await api.request('POST', '/v1/live-events', {
    key,
    body: {
      liveStreamId: stream.id,
      title: 'Later show',
      scheduledStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
  assert.equal(later.status, 201);
  const titleNow = async () => AuthorizePublishResponseSchema.parse((await authorize(stream.streamKey)).body);
  const beforeLive = await titleNow();
  assert.equal(beforeLive.allowed && beforeLive.eventTitle, 'Later show', 'the next scheduled event first');
  const goLive = await api.request('POST', `/v1/live-events/${ev.body.id}/transitions`, {
    key,
    body: { to: 'live' },
  });
  assert.equal(goLive.status, 200);
  const whileLive = await titleNow();
  assert.equal(whileLive.allowed && whileLive.eventTitle, 'Keynote');
  const rotated = await api.request('POST', `/v1/live-streams/${stream.id}/rotate-key`, { key });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.streamKey, stream.streamKey);
  assert.deepEqual(
    {
      allowed: (await authorize(stream.streamKey)).body.allowed,
      reason: (await authorize(stream.streamKey)).body.reason,
    },
    { allowed: false, reason: 'unknown_key' },
  );
  const newKey = rotated.body.streamKey as string;
  assert.equal((await authorize(newKey)).body.allowed, true);

  // Session start/stats/end feed the stream's current session, sessions and usage.
  const started = await api.request('POST', EdgeApiPaths.sessions, {
    key: edge.credential,
    body: {
      liveStreamId: stream.id,
      clientIp: '10.0.0.5',
      video: { codec: 'avc1', width: 1280, height: 720, frameRate: 30 },
      audio: { codec: 'mp4a', sampleRate: 48000, channels: 2 },
    },
  });
  assert.equal(started.status, 201);
  const sessionId = started.body.sessionId as string;
  const stats = {
    viewers: 7,
    bitrateKbps: 2500,
    bytesInDelta: 1_000_000,
    bytesOutDelta: 5_000_000,
    viewerSecondsDelta: 420,
  };
  assert.equal(
    (await api.request('POST', EdgeApiPaths.sessionStats(sessionId), { key: edge.credential, body: stats }))
      .status,
    204,
  );
  assert.equal(
    (
      await api.request('POST', EdgeApiPaths.sessionStats(sessionId), {
        key: edge.credential,
        body: { ...stats, viewers: 3 },
      })
    ).status,
    204,
  );
  const live = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${stream.id}`, { key })).body,
  );
  assert.equal(live.status, 'active');
  assert.equal(live.currentSession?.viewers, 3);
  assert.equal(live.currentSession?.peakViewers, 7);
  assert.equal(live.currentSession?.videoCodec, 'avc1');
  assert.equal(live.currentSession?.bitrateKbps, 2500);
  assert.equal((await api.request('GET', '/v1/live-streams?status=active', { key })).body.data.length, 1);

  const ended = await api.request('POST', EdgeApiPaths.sessionEnd(sessionId), {
    key: edge.credential,
    body: { reason: 'publisher closed', bytesInDelta: 10, bytesOutDelta: 20, viewerSecondsDelta: 60 },
  });
  assert.equal(ended.status, 204);
  const sessions = await api.request('GET', `/v1/sessions?liveStreamId=${stream.id}&active=false`, { key });
  assert.equal(sessions.body.data.length, 1);
  assert.equal(sessions.body.data[0].endReason, 'publisher closed');
  assert.equal(sessions.body.data[0].bytesIn, 2_000_010);
  assert.equal((await api.request('GET', `/v1/live-streams/${stream.id}`, { key })).body.status, 'idle');
  const usage = await api.request('GET', '/v1/usage?granularity=hour', { key });
  assert.equal(usage.status, 200);
  assert.equal(usage.body.data.length, 1);
  assert.equal(usage.body.data[0].viewerMinutes, (420 * 2 + 60) / 60);
  assert.equal(usage.body.data[0].egressBytes, 10_000_020);
  assert.equal(
    (await api.request('GET', '/v1/usage?granularity=day', { key })).body.data[0].ingestBytes,
    2_000_010,
  );
});

test('publish authorisation refuses disabled streams, suspended tenants and streams over the live limit', async () => {
  const t = await api.tenantWithKey('Limited', operator, { maxLiveStreams: 1 });
  const a = (await api.request('POST', '/v1/live-streams', { key: t.key, body: { name: 'a' } })).body;
  const b = (await api.request('POST', '/v1/live-streams', { key: t.key, body: { name: 'b' } })).body;
  assert.equal(
    (await api.request('POST', `/v1/live-streams/${a.id}/disable`, { key: t.key })).body.status,
    'disabled',
  );
  assert.equal((await authorize(a.streamKey)).body.reason, 'stream_disabled');
  await api.request('POST', `/v1/live-streams/${a.id}/enable`, { key: t.key });
  assert.equal((await authorize(a.streamKey)).body.allowed, true);

  await api.request('POST', EdgeApiPaths.sessions, {
    key: edge.credential,
    body: { liveStreamId: a.id, clientIp: '10.0.0.1', video: null, audio: null },
  });
  assert.equal((await authorize(b.streamKey)).body.reason, 'live_stream_limit_reached');
  assert.equal((await authorize(a.streamKey)).body.allowed, true, 'the live stream itself may reconnect');

  const suspended = await api.request('PATCH', `/v1/tenants/${t.tenantId}`, {
    cookie: operator,
    body: { status: 'suspended' },
  });
  assert.equal(suspended.body.status, 'suspended');
  assert.equal((await authorize(a.streamKey)).body.reason, 'tenant_suspended');
});

test('live events follow their state machine', async () => {
  const { key } = tenant;
  const s = (await api.request('POST', '/v1/live-streams', { key, body: { name: 'events' } })).body;
  const ev = (
    await api.request('POST', '/v1/live-events', {
      key,
      body: { liveStreamId: s.id, title: 'Show', scheduledStartAt: '2030-01-01T10:00:00Z' },
    })
  ).body;
  assert.equal(ev.state, 'scheduled');
  assert.equal(
    (await api.request('POST', `/v1/live-events/${ev.id}/transitions`, { key, body: { to: 'ended' } }))
      .status,
    409,
  );
  const live = await api.request('POST', `/v1/live-events/${ev.id}/transitions`, {
    key,
    body: { to: 'live' },
  });
  assert.equal(live.body.state, 'live');
  assert.ok(live.body.startedAt);
  assert.equal(
    (await api.request('POST', `/v1/live-events/${ev.id}/transitions`, { key, body: { to: 'ended' } })).body
      .state,
    'ended',
  );
  assert.equal(
    (await api.request('POST', `/v1/live-events/${ev.id}/transitions`, { key, body: { to: 'cancelled' } }))
      .status,
    409,
  );
});

test('lists paginate with a cursor', async () => {
  const t = await api.tenantWithKey('Pager', operator);
  for (let i = 0; i < 5; i++)
    await api.request('POST', '/v1/live-streams', { key: t.key, body: { name: `s${i}` } });
  const seen = new Set<string>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await api.request(
      'GET',
      `/v1/live-streams?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      { key: t.key },
    );
    for (const s of page.body.data) seen.add(s.id);
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(seen.size, 5);
  assert.equal(pages, 3);
});

test('an Idempotency-Key replays the first creation instead of creating twice', async () => {
  const t = await api.tenantWithKey('Idem', operator);
  const headers = { 'idempotency-key': 'create-stream-1' };
  const first = await api.request('POST', '/v1/live-streams', {
    key: t.key,
    headers,
    body: { name: 'once' },
  });
  const again = await api.request('POST', '/v1/live-streams', {
    key: t.key,
    headers,
    body: { name: 'once' },
  });
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.equal(again.body.id, first.body.id);
  assert.equal((await api.request('GET', '/v1/live-streams', { key: t.key })).body.data.length, 1);
  const other = await api.request('POST', '/v1/live-streams', {
    key: t.key,
    headers,
    body: { name: 'different' },
  });
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'idempotency_conflict');
});

test('members act in their tenant; the member role is read-only', async () => {
  const t = await api.tenantWithKey('Team', operator);
  const add = (email: string, role: string) =>
    api.request('POST', `/v1/tenants/${t.tenantId}/users`, {
      cookie: operator,
      body: { email, name: email, password: 'member-password-1', role },
    });
  assert.equal((await add('admin@team.test', 'admin')).status, 201);
  assert.equal((await add('viewer@team.test', 'member')).status, 201);
  assert.equal((await add('viewer@team.test', 'member')).status, 409);
  assert.equal(
    (await api.request('GET', `/v1/tenants/${t.tenantId}/users`, { cookie: operator })).body.data.length,
    2,
  );
  const adminCookie = await api.login('admin@team.test', 'member-password-1');
  const memberCookie = await api.login('viewer@team.test', 'member-password-1');
  const me = UserSchema.parse((await api.request('GET', '/v1/auth/me', { cookie: adminCookie })).body);
  assert.deepEqual(me.memberships, [{ tenantId: t.tenantId, tenantName: 'Team', role: 'admin' }]);
  assert.equal(
    (await api.request('POST', '/v1/live-streams', { cookie: adminCookie, body: { name: 'by admin' } }))
      .status,
    201,
  );
  assert.equal((await api.request('GET', '/v1/live-streams', { cookie: memberCookie })).body.data.length, 1);
  assert.equal(
    (await api.request('POST', '/v1/live-streams', { cookie: memberCookie, body: { name: 'x' } })).status,
    403,
  );
  assert.equal(
    (await api.request('GET', '/v1/tenants', { cookie: adminCookie })).status,
    403,
    'operators only',
  );
  assert.equal((await api.request('POST', '/v1/auth/logout', { cookie: adminCookie })).status, 204);
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: adminCookie })).status, 401);
});
