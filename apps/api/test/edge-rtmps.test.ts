import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EdgeSchema, HeartbeatResponseSchema, LiveStreamSchema } from '@tributary/contracts';
import { TestApi } from './support/api';

/**
 * RTMPS in the control plane (issue 14): an edge that serves RTMPS says where in its heartbeat
 * (rtmpsUrl); the api shows it on the edge, offers it to encoders beside the RTMP ingest URL
 * (ingest[].rtmpsServer) and lists it in the fleet; an edge that stops saying so stops being shown.
 */

let api: TestApi;
let operator: string;
let tenant: { tenantId: string; key: string };

const registerEdge = (name: string) => api.edge(operator, name);

const heartbeat = (credential: string, extra: Record<string, unknown> = {}) =>
  api.heartbeat(credential, extra);

before(async () => {
  api = await TestApi.start();
  operator = await api.login();
  tenant = await api.tenantWithKey('Secure Co', operator);
});
after(() => api?.close());

test('an edge reporting rtmpsUrl gets it shown on the edge, in ingest beside the RTMP server, and in the fleet', async () => {
  const tls = await registerEdge('tls-a');
  const plain = await registerEdge('plain-b');
  assert.equal((await heartbeat(tls.credential, { rtmpsUrl: 'rtmps://tls-a.test/live' })).status, 200);
  assert.equal((await heartbeat(plain.credential)).status, 200);

  const edge = EdgeSchema.parse(
    (await api.request('GET', `/v1/edges/${tls.edgeId}`, { cookie: operator })).body,
  );
  assert.equal(edge.rtmpsUrl, 'rtmps://tls-a.test/live');
  const other = EdgeSchema.parse(
    (await api.request('GET', `/v1/edges/${plain.edgeId}`, { cookie: operator })).body,
  );
  assert.equal(other.rtmpsUrl, null);

  const created = await api.request('POST', '/v1/live-streams', {
    key: tenant.key,
    body: { name: 'Over TLS' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const stream = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${created.body.id}`, { key: tenant.key })).body,
  );
  assert.deepEqual(stream.ingest, [
    {
      edgeId: tls.edgeId,
      region: 'eu-west',
      server: 'rtmp://tls-a.test:1935/live',
      rtmpsServer: 'rtmps://tls-a.test/live',
    },
    { edgeId: plain.edgeId, region: 'eu-west', server: 'rtmp://plain-b.test:1935/live' },
  ]);

  const fleet = HeartbeatResponseSchema.parse((await heartbeat(plain.credential)).body).fleet;
  assert.equal(fleet.find((e) => e.edgeId === tls.edgeId)?.rtmpsUrl, 'rtmps://tls-a.test/live');
  assert.equal(
    fleet.find((e) => e.edgeId === plain.edgeId),
    undefined,
    'never the caller',
  );

  // RTMPS turned off (the next heartbeat says nothing): no longer offered.
  await heartbeat(tls.credential);
  const after = LiveStreamSchema.parse(
    (await api.request('GET', `/v1/live-streams/${created.body.id}`, { key: tenant.key })).body,
  );
  assert.equal(after.ingest.find((i) => i.edgeId === tls.edgeId)?.rtmpsServer, undefined);
});

test('a heartbeat rtmpsUrl that is not an rtmps:// URL (or is too long) is refused', async () => {
  const e = await registerEdge('tls-bad');
  for (const rtmpsUrl of [
    'rtmp://tls-bad.test/live',
    'https://tls-bad.test/live',
    'not a url',
    `rtmps://${'x'.repeat(600)}.test/live`,
  ]) {
    const res = await heartbeat(e.credential, { rtmpsUrl });
    assert.equal(res.status, 400, `${rtmpsUrl}: ${JSON.stringify(res.body)}`);
  }
});
