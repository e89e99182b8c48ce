import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AuthorizePublishResponseSchema,
  EdgeApiPaths,
  LiveStreamSchema,
  MAX_RENDITIONS,
  RelayTokenClaimsSchema,
  StreamOriginResponseSchema,
  splitRenditionName,
} from '@tributary/contracts';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { TestApi } from './support/api';

/**
 * Dynamic streaming ladders (issue 13) in the control plane: a live stream declares renditions and
 * where they come from; the api validates the ladder, returns it, and authorises `<stream key>_<rendition>`
 * publishes for an 'encoder' ladder only when the rendition is in it.
 */

let api: TestApi;
let tenant: { tenantId: string; key: string };
let edge: { credential: string };

const LADDER = [
  { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
  { name: 'mid', width: 854, height: 480, videoBitrateKbps: 1200, audioBitrateKbps: 96 },
  { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
];

async function grant(streamKey: string) {
  const res = await api.request('POST', EdgeApiPaths.authorizePublish, {
    key: edge.credential,
    body: { streamKey, app: 'live', clientIp: '192.0.2.1' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return AuthorizePublishResponseSchema.parse(res.body);
}

before(async () => {
  api = await TestApi.start();
  const operator = await api.login();
  tenant = await api.tenantWithKey('Ladders Inc', operator);
  edge = await api.edge(operator, 'ladder-edge');
});
after(async () => {
  await api?.close();
});

test('a stream without a ladder says so; one created with a ladder returns it', async () => {
  const plain = await api.request('POST', '/v1/live-streams', { key: tenant.key, body: { name: 'plain' } });
  assert.equal(plain.status, 201);
  const p = LiveStreamSchema.parse(plain.body);
  assert.equal(p.renditionSource, 'none');
  assert.deepEqual(p.renditions, []);

  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'laddered', renditionSource: 'encoder', renditions: LADDER },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const got = await api.request('GET', `/v1/live-streams/${created.body.id}`, { key: tenant.key });
  const s = LiveStreamSchema.parse(got.body);
  assert.equal(s.renditionSource, 'encoder');
  assert.deepEqual(s.renditions, LADDER);
});

test('bad ladders are refused with 400: duplicates, too many, bad names, bad sizes, a source without renditions', async () => {
  const bad = [
    { renditionSource: 'encoder', renditions: [LADDER[0], LADDER[0]] },
    {
      renditionSource: 'encoder',
      renditions: Array.from({ length: MAX_RENDITIONS + 1 }, (_, i) => ({ ...LADDER[2]!, name: `r${i}` })),
    },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, name: 'has_underscore' }] },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, name: 'UPPER' }] },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, name: 'x'.repeat(17) }] },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, width: 0 }] },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, videoBitrateKbps: 1.5 }] },
    { renditionSource: 'encoder', renditions: [{ ...LADDER[0]!, extra: 1 }] },
    { renditionSource: 'encoder', renditions: [] },
    { renditionSource: 'transcode' },
    { renditionSource: 'sideways', renditions: LADDER },
    { renditions: 'high' },
  ];
  for (const body of bad) {
    const res = await api.request('POST', '/v1/live-streams', {
      key: tenant.key,
      body: { name: 'x', ...body },
    });
    assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
  }
  // Update checks the ladder it would leave: the source cannot be set while there are no renditions.
  const s = await api.request('POST', '/v1/live-streams', { key: tenant.key, body: { name: 'later' } });
  const path = `/v1/live-streams/${s.body.id}`;
  assert.equal(
    (await api.request('PATCH', path, { key: tenant.key, body: { renditionSource: 'encoder' } })).status,
    400,
  );
  const set = await api.request('PATCH', path, {
    key: tenant.key,
    body: { renditionSource: 'encoder', renditions: LADDER.slice(0, 2) },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(LiveStreamSchema.parse(set.body).renditions, LADDER.slice(0, 2));
  assert.equal((await api.request('PATCH', path, { key: tenant.key, body: { renditions: [] } })).status, 400);
  const off = await api.request('PATCH', path, { key: tenant.key, body: { renditionSource: 'none' } });
  assert.equal(LiveStreamSchema.parse(off.body).renditionSource, 'none');
});

test('the edge grant: <key>_<rendition> is allowed for an encoder ladder rendition, refused otherwise', async () => {
  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'grants', renditionSource: 'encoder', renditions: LADDER },
  });
  const key: string = created.body.streamKey;
  const whole = await grant(key);
  assert.ok(whole.allowed);
  assert.equal(whole.rendition, undefined);
  assert.deepEqual(whole.renditions, LADDER);
  assert.equal(whole.renditionSource, 'encoder');
  for (const r of LADDER) {
    const g = await grant(`${key}_${r.name}`);
    assert.ok(g.allowed, JSON.stringify(g));
    assert.equal(g.rendition, r.name);
    assert.equal(g.playbackId, created.body.playbackId);
  }
  const unknown = await grant(`${key}_huge`);
  assert.ok(!unknown.allowed);
  assert.equal(unknown.reason, 'unknown_rendition');
  assert.match(unknown.message, /high, mid, low/);
  // A wrong key with a rendition suffix says nothing about renditions.
  const wrong = await grant(`sk_nope_high`);
  assert.ok(!wrong.allowed);
  assert.equal(wrong.reason, 'unknown_key');

  // A stream with no encoder ladder refuses every rendition name.
  const plain = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'plain2', renditionSource: 'transcode', renditions: LADDER },
  });
  const p = await grant(`${plain.body.streamKey}_high`);
  assert.ok(!p.allowed);
  assert.equal(p.reason, 'unknown_rendition');
});

test("the stream origin of <playbackId>_<rendition>: the stream's origin, the rendition, a relay token naming the whole name", async () => {
  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'relayed ladder', renditionSource: 'encoder', renditions: LADDER },
  });
  const id: string = created.body.id;
  const pb: string = created.body.playbackId;
  const origin = (name: string) =>
    api.request('GET', EdgeApiPaths.streamOrigin(name), { key: edge.credential });
  assert.deepEqual((await origin(`${pb}_low`)).body, { live: false });
  assert.equal((await origin(`${pb}_huge`)).status, 404);
  await api.request('POST', EdgeApiPaths.heartbeat, {
    key: edge.credential,
    body: { version: '1.0.0', connections: 0, publishers: 0, viewers: 0, bytesInTotal: 0, bytesOutTotal: 0 },
  });
  const session = await api.request('POST', EdgeApiPaths.sessions, {
    key: edge.credential,
    body: { liveStreamId: id, clientIp: '192.0.2.1', video: null, audio: null },
  });
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const low = StreamOriginResponseSchema.parse((await origin(`${pb}_low`)).body);
  assert.ok(low.live);
  assert.equal(low.playbackId, pb);
  assert.equal(low.rendition, 'low');
  assert.equal(low.renditionSource, 'encoder');
  assert.deepEqual(low.renditions, LADDER);
  assert.equal(RelayTokenClaimsSchema.parse(decodeJwt(low.relayToken)).sub, `${pb}_low`);
  const whole = StreamOriginResponseSchema.parse((await origin(pb)).body);
  assert.ok(whole.live);
  assert.equal(whole.rendition, undefined);
  assert.equal(RelayTokenClaimsSchema.parse(decodeJwt(whole.relayToken)).sub, pb);

  // The edge reports each rendition's live bitrate with the session's stats; the stream shows them.
  const live = [
    { name: 'high', bitrateKbps: 2480, viewers: 3 },
    { name: 'low', bitrateKbps: 390, viewers: 1 },
  ];
  const stats = await api.request('POST', EdgeApiPaths.sessionStats(session.body.sessionId), {
    key: edge.credential,
    body: {
      viewers: 4,
      bitrateKbps: 2900,
      bytesInDelta: 1000,
      bytesOutDelta: 0,
      viewerSecondsDelta: 0,
      renditions: live,
    },
  });
  assert.ok(stats.status < 300, JSON.stringify(stats.body));
  const shown = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${id}`, { key: tenant.key })).body,
  );
  assert.deepEqual(shown.currentSession?.renditions, live);
  // Hostile figures are refused by the contract.
  const bad = await api.request('POST', EdgeApiPaths.sessionStats(session.body.sessionId), {
    key: edge.credential,
    body: {
      viewers: 4,
      bitrateKbps: 1,
      bytesInDelta: 0,
      bytesOutDelta: 0,
      viewerSecondsDelta: 0,
      renditions: Array.from({ length: 17 }, (_, i) => ({ name: `r${i}`, bitrateKbps: 1, viewers: 0 })),
    },
  });
  assert.equal(bad.status, 400);
});

test('the OpenAPI document describes the ladder fields of live streams', async () => {
  const doc = JSON.stringify((await api.request('GET', '/openapi.json')).body);
  for (const word of ['renditionSource', 'renditions', 'videoBitrateKbps', 'audioBitrateKbps', 'transcode'])
    assert.ok(doc.includes(word), word);
});

test('splitRenditionName: the last _ separates, and only a rendition name is split off', () => {
  const rendition = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);
  const base = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
  fc.assert(
    fc.property(base, rendition, (b, r) => {
      assert.deepEqual(splitRenditionName(`${b}_${r}`), { base: b, rendition: r });
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (name) => {
      const split = splitRenditionName(name);
      if (split === undefined) return;
      assert.equal(`${split.base}_${split.rendition}`, name);
      assert.match(split.rendition, /^[a-z0-9][a-z0-9-]{0,15}$/);
      assert.ok(split.base.length > 0);
    }),
  );
  assert.equal(splitRenditionName('_high'), undefined);
  assert.equal(splitRenditionName('key_'), undefined);
  assert.equal(splitRenditionName('key_HIGH'), undefined);
});
