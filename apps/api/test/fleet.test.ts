import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  EdgeApiPaths,
  HeartbeatResponseSchema,
  LiveStreamSchema,
  PLAYBACK_TOKEN_AUDIENCE,
  PlaybackKeysResponseSchema,
  PlaybackTokenSchema,
  RELAY_TOKEN_AUDIENCE,
  RelayTokenClaimsSchema,
  StreamOriginResponseSchema,
} from '@tributary/contracts';
import { parseEdgeRedirectSmil } from '@tributary/smil';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TestApi } from './support/api';

/**
 * The fleet in the control plane (issue 11): heartbeats carry load, draining and the internal address;
 * each answer lists the other healthy edges; the stream-origin lookup tells a pulling edge where a
 * stream is live, with a relay token only an edge gets; SMIL and playback URLs name the fleet.
 */

let api: TestApi;
let operator: string;
let tenant: { tenantId: string; key: string };
const edges: Record<'a' | 'b' | 'c', { edgeId: string; credential: string }> = {} as never;

const registerEdge = (name: string, region: string, capacity = 1000) =>
  api.edge(operator, name, { region, capacity });

const heartbeat = (credential: string, extra: Record<string, unknown> = {}) =>
  api.heartbeat(credential, extra);

const origin = (credential: string, playbackId: string) =>
  api.request('GET', EdgeApiPaths.streamOrigin(playbackId), { key: credential });

/** SMIL is XML, not JSON: read it raw. */
async function smil(path: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${api.url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

before(async () => {
  api = await TestApi.start({
    FLEET_RTMP_URL: 'rtmp://live.example.com/live',
    FLEET_HTTP_URL: 'https://live.example.com',
  });
  operator = await api.login();
  tenant = await api.tenantWithKey('Fleet Co', operator);
  edges.a = await registerEdge('fleet-a', 'eu-west');
  edges.b = await registerEdge('fleet-b', 'eu-west');
  edges.c = await registerEdge('fleet-c', 'us-east');
});
after(() => api?.close());

test('each heartbeat answer lists the other healthy edges with their load; a draining edge drops out', async () => {
  const first = HeartbeatResponseSchema.parse(
    (await heartbeat(edges.a.credential, { internalRtmpUrl: 'rtmp://10.0.0.1:1935/live', maxViewers: 500 }))
      .body,
  );
  assert.deepEqual(first.fleet, [], 'no other edge has reported yet');
  await heartbeat(edges.b.credential, { connections: 40, viewers: 30, egressBps: 8e7 });
  await heartbeat(edges.c.credential, { connections: 5, viewers: 3 });
  const fromA = HeartbeatResponseSchema.parse(
    (await heartbeat(edges.a.credential, { maxViewers: 500 })).body,
  );
  assert.deepEqual(
    fromA.fleet.map((e) => e.name),
    ['fleet-b', 'fleet-c'],
    'the others, never the caller',
  );
  const b = fromA.fleet.find((e) => e.name === 'fleet-b');
  assert.deepEqual(b, {
    edgeId: edges.b.edgeId,
    name: 'fleet-b',
    region: 'eu-west',
    rtmpUrl: 'rtmp://fleet-b.test:1935/live',
    httpUrl: 'http://fleet-b.test:8080',
    connections: 40,
    viewers: 30,
    maxViewers: null,
    capacity: 1000,
    egressBps: 8e7,
  });
  const fromB = HeartbeatResponseSchema.parse(
    (await heartbeat(edges.b.credential, { connections: 40, viewers: 30 })).body,
  );
  assert.equal(fromB.fleet.find((e) => e.name === 'fleet-a')?.maxViewers, 500);

  // C starts draining: nobody is sent to it any more; it comes back when it says so.
  await heartbeat(edges.c.credential, { draining: true });
  const whileDraining = HeartbeatResponseSchema.parse((await heartbeat(edges.a.credential)).body);
  assert.deepEqual(
    whileDraining.fleet.map((e) => e.name),
    ['fleet-b'],
  );
  await heartbeat(edges.c.credential, { connections: 5, viewers: 3 });
  const back = HeartbeatResponseSchema.parse((await heartbeat(edges.a.credential)).body);
  assert.deepEqual(
    back.fleet.map((e) => e.name),
    ['fleet-b', 'fleet-c'],
  );
});

test('stream origin: not live, then the ingest edge with its internal address and a relay token', async () => {
  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'Relayed', playbackPolicy: 'signed' },
  });
  assert.equal(created.status, 201);
  const stream = LiveStreamSchema.parse(created.body);

  assert.equal((await origin(edges.b.credential, 'no-such-playback-id')).status, 404);
  assert.deepEqual((await origin(edges.b.credential, stream.playbackId)).body, { live: false });
  // Only edges ask: a tenant's key or no credential is refused.
  assert.equal((await origin(tenant.key, stream.playbackId)).status, 401);
  assert.equal((await api.request('GET', EdgeApiPaths.streamOrigin(stream.playbackId))).status, 401);

  // Edge A (internal address rtmp://10.0.0.1:1935/live) takes the publisher.
  await heartbeat(edges.a.credential, { internalRtmpUrl: 'rtmp://10.0.0.1:1935/live' });
  const session = await api.request('POST', EdgeApiPaths.sessions, {
    key: edges.a.credential,
    body: { liveStreamId: stream.id, clientIp: '192.0.2.1', video: null, audio: null },
  });
  assert.equal(session.status, 201);

  const fromB = StreamOriginResponseSchema.parse((await origin(edges.b.credential, stream.playbackId)).body);
  assert.ok(fromB.live);
  assert.equal(fromB.tenantId, tenant.tenantId);
  assert.equal(fromB.liveStreamId, stream.id);
  assert.equal(fromB.playbackPolicy, 'signed');
  assert.equal(fromB.sessionId, session.body.sessionId);
  assert.deepEqual(fromB.origin, { edgeId: edges.a.edgeId, rtmpUrl: 'rtmp://10.0.0.1:1935/live' });
  assert.equal(fromB.isSelf, false);
  const fromA = StreamOriginResponseSchema.parse((await origin(edges.a.credential, stream.playbackId)).body);
  assert.ok(fromA.live && fromA.isSelf);

  // The relay token verifies with the keys every edge has, for the relay audience only.
  const keys = PlaybackKeysResponseSchema.parse(
    (await api.request('GET', EdgeApiPaths.playbackKeys, { key: edges.b.credential })).body,
  );
  const jwks = createLocalJWKSet({ keys: keys.keys.map((k) => ({ ...k.jwk, kid: k.kid })) });
  const verified = await jwtVerify(fromB.relayToken, jwks, {
    audience: RELAY_TOKEN_AUDIENCE,
    algorithms: ['EdDSA'],
  });
  const claims = RelayTokenClaimsSchema.parse(verified.payload);
  assert.equal(claims.sub, stream.playbackId);
  assert.equal(claims.edg, edges.b.edgeId);
  assert.ok(claims.exp - Math.floor(Date.now() / 1000) <= 120);
  const signer = keys.keys.find((k) => k.kid === verified.protectedHeader.kid);
  assert.equal(signer?.tenantId, null, 'signed with the platform key');
  await assert.rejects(
    jwtVerify(fromB.relayToken, jwks, { audience: PLAYBACK_TOKEN_AUDIENCE }),
    'a relay token is never a playback token',
  );

  // Disabled: not live for anyone, though the session is still open.
  assert.equal(
    (await api.request('POST', `/v1/live-streams/${stream.id}/disable`, { key: tenant.key })).status,
    200,
  );
  assert.deepEqual((await origin(edges.b.credential, stream.playbackId)).body, { live: false });
  await api.request('POST', `/v1/live-streams/${stream.id}/enable`, { key: tenant.key });
  assert.equal((await origin(edges.b.credential, stream.playbackId)).body.live, true);

  // The session ends: not live.
  await api.request('POST', EdgeApiPaths.sessionEnd(session.body.sessionId), {
    key: edges.a.credential,
    body: { reason: 'publisher left', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 },
  });
  assert.deepEqual((await origin(edges.b.credential, stream.playbackId)).body, { live: false });

  // A deregistered origin's open session is not a place to pull from.
  const d = await registerEdge('fleet-d', 'eu-west');
  await heartbeat(d.credential);
  await api.request('POST', EdgeApiPaths.sessions, {
    key: d.credential,
    body: { liveStreamId: stream.id, clientIp: '192.0.2.1', video: null, audio: null },
  });
  assert.equal((await origin(edges.b.credential, stream.playbackId)).body.live, true);
  assert.equal((await api.request('DELETE', `/v1/edges/${d.edgeId}`, { cookie: operator })).status, 204);
  assert.deepEqual((await origin(edges.b.credential, stream.playbackId)).body, { live: false });
});

test('playback URLs name the fleet, SMIL included; the api SMIL sends a player to the least-loaded edge', async () => {
  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'Balanced' },
  });
  const stream = LiveStreamSchema.parse(created.body);
  assert.deepEqual(stream.playback, {
    rtmp: `rtmp://live.example.com/live/${stream.playbackId}`,
    hls: `https://live.example.com/live/${stream.playbackId}/index.m3u8`,
    flv: `https://live.example.com/live/${stream.playbackId}.flv`,
    smil: `https://live.example.com/live/${stream.playbackId}.smil`,
    thumbnail: `https://live.example.com/live/${stream.playbackId}/thumbnail.jpg`,
  });
  const minted = PlaybackTokenSchema.parse(
    (
      await api.request('POST', '/v1/playback-tokens', {
        key: tenant.key,
        body: { playbackId: stream.playbackId, ttlSeconds: 600 },
      })
    ).body,
  );
  assert.equal(
    minted.playback.smil,
    `https://live.example.com/live/${stream.playbackId}.smil?token=${minted.token}`,
  );

  // Loads: A 10/1000, B 400/1000, C (us-east) 5/1000; D was deregistered.
  await heartbeat(edges.a.credential, { connections: 10, viewers: 8 });
  await heartbeat(edges.b.credential, { connections: 400, viewers: 390 });
  await heartbeat(edges.c.credential, { connections: 5, viewers: 3 });
  const anywhere = await smil(`/live/${stream.playbackId}.smil`);
  assert.equal(anywhere.status, 200);
  assert.match(anywhere.type ?? '', /^application\/smil\+xml/);
  assert.deepEqual(parseEdgeRedirectSmil(anywhere.text), {
    edge: { base: 'rtmp://fleet-c.test:1935/live' },
    streamName: stream.playbackId,
  });
  // A European viewer goes to the least-loaded European edge, with its token on the src.
  const eu = await smil(`/live/${stream.playbackId}.smil?region=eu-west&token=${minted.token}`);
  assert.deepEqual(parseEdgeRedirectSmil(eu.text), {
    edge: { base: 'rtmp://fleet-a.test:1935/live' },
    streamName: stream.playbackId,
    query: `token=${minted.token}`,
  });
  // A at its own viewer cap is full: Europe overflows to B, the other European edge.
  await heartbeat(edges.a.credential, { connections: 10, viewers: 8, maxViewers: 8 });
  const full = await smil(`/live/${stream.playbackId}.smil?region=eu-west`);
  assert.equal(parseEdgeRedirectSmil(full.text).edge.base, 'rtmp://fleet-b.test:1935/live');

  assert.equal((await smil('/live/unknown-id.smil')).status, 404);
  assert.equal((await smil('/live/bad%20id.smil')).status, 404);
  assert.equal((await smil(`/live/${stream.playbackId}.smil?token=${'x'.repeat(5000)}`)).status, 400);
});

test('concurrent session starts on one stream all succeed, queued on the stream: one stays open, the current one', async () => {
  const stream = await api.liveStream<{ id: string }>(tenant.key, { name: 'reconnecting encoder' });
  // Before the stream row was locked first, all but one of these ended in a Postgres deadlock (500).
  const ids = await Promise.all(
    Array.from({ length: 6 }, () => api.startSession(edges.a.credential, stream.id)),
  );
  const open = await api.request('GET', `/v1/sessions?liveStreamId=${stream.id}&active=true`, {
    key: tenant.key,
  });
  assert.equal(open.status, 200);
  assert.equal(open.body.data.length, 1, JSON.stringify(open.body.data));
  const current = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${stream.id}`, { key: tenant.key })).body,
  );
  assert.equal(current.currentSession?.id, open.body.data[0].id);
  assert.ok(ids.includes(open.body.data[0].id));
  const ended = await api.request('GET', `/v1/sessions?liveStreamId=${stream.id}&active=false`, {
    key: tenant.key,
  });
  assert.deepEqual(
    ended.body.data.map((s: { endReason: string | null }) => s.endReason),
    Array(5).fill('replaced by a new session'),
  );
});
