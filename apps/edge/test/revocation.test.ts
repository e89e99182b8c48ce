import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE, PlaybackHttpPaths } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { SignJWT } from 'jose';
import { parseEdgeConfig } from '../src/config';
import { Edge } from '../src/edge';
import { ControlPlane, type TenantHandle } from './support/control-plane';
import { withDeadline, within } from './support/edge-process';
import { Peers } from './support/peers';

/**
 * Revocations reach every edge: two real api processes on one database, two in-process edges
 * (one following each api), real ffmpeg publishers and RTMP, HTTP-FLV and HLS viewers. Rotating
 * a key, disabling or deleting a stream, suspending its tenant and revoking a signing key each cut
 * the affected publisher and viewers within the deadline, whichever api instance the change went
 * through; an event written while an edge's api is down reaches it once that api is back; one
 * tenant's thousands of signing keys do not stop a restarted edge from verifying another's tokens.
 */

/** The requirement: a revocation takes effect on every edge within 5 s. Every wait below ends by it. */
const CUT_DEADLINE_MS = 5_000;
/** Setting a scene up (an encoder connecting, a viewer starting) gets longer on a busy machine. */
const SETUP_DEADLINE_MS = 20_000;

/** An HTTP-FLV viewer: resolves `ended` when the edge ends the response. */
function flvViewer(url: string) {
  let bytes = 0;
  let req: http.ClientRequest | undefined;
  const ended = new Promise<{ status: number; bytes: number }>((resolveEnded) => {
    req = http.get(url, (res) => {
      res.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      res.once('close', () => resolveEnded({ status: res.statusCode ?? 0, bytes }));
    });
    req.once('error', () => resolveEnded({ status: 0, bytes }));
  });
  return { ended, bytes: () => bytes, stop: () => req?.destroy() };
}

describe('revocations cut publishers and viewers on every edge', { timeout: 240_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-revocation-'));
  const clip = join(dir, 'clip.flv');
  let plane: ControlPlane;
  const edges: Array<{ edge: Edge; rtmp: string; http: string }> = [];
  const via = (i: number) => plane.via(i);
  let tenant: TenantHandle = { id: '', key: '' };
  const measured: Record<string, number> = {};

  async function startEdge(apiIndex: number, name: string) {
    const { credential, rtmp, http, rtmpPort, httpPort } = await plane.registerEdge({ name });
    const edge = new Edge(
      parseEdgeConfig({
        EDGE_API_URL: plane.apis[apiIndex]?.url,
        EDGE_API_TOKEN: credential,
        RTMP_HOST: '127.0.0.1',
        RTMP_PORT: String(rtmpPort),
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        STATS_INTERVAL_SECONDS: '1',
        HLS_TARGET_DURATION_MS: '1000',
      }),
      createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' }),
    );
    await edge.start();
    const running = { edge, rtmp, http };
    edges.push(running);
    return running;
  }

  before(async () => {
    await peers.makeClip(clip);
    // Two api instances on one database: changes made through either reach the edges following the other.
    plane = await ControlPlane.start({ dir, apis: 2 });
    tenant = await plane.newTenant('Revoked');
    // Edge 0 follows api 0, edge 1 follows api 1; changes are made through either.
    await startEdge(0, 'edge-a');
    await startEdge(1, 'edge-b');
  });

  after(async () => {
    await peers.stopAll();
    for (const { edge } of edges) await edge.stop();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const [what, ms] of Object.entries(measured)) console.log(`# measured: ${what}: ${ms} ms`);
  });

  const newStream = (owner: TenantHandle, name: string, policy: 'public' | 'signed' = 'public') =>
    plane.newStream(owner, name, policy);

  /** Publishes with ffmpeg on an edge and waits until the stream is live there. */
  async function publish(on: (typeof edges)[number], stream: { streamKey: string; playbackId: string }) {
    const encoder = peers.publish(clip, `${on.rtmp}/${stream.streamKey}`);
    await within(SETUP_DEADLINE_MS, 'publisher live', () => on.edge.registry.get(stream.playbackId)?.isLive);
    return encoder;
  }

  function rtmpViewer(on: (typeof edges)[number], playbackId: string, token?: string): ChildProcess {
    const url = `${on.rtmp}/${playbackId}${token ? `?token=${token}` : ''}`;
    return peers.spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-f', 'null', '-']);
  }

  const viewers = (on: (typeof edges)[number], playbackId: string) =>
    on.edge.registry.get(playbackId)?.viewers.size ?? 0;

  /** Waits until the edge counts `n` viewers of the stream (RTMP and HTTP viewers alike). */
  const watching = (on: (typeof edges)[number], playbackId: string, n: number) =>
    within(SETUP_DEADLINE_MS, `${n} viewers watching`, () => viewers(on, playbackId) >= n);

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : once(child, 'exit').then(() => undefined);

  /** The publisher, every viewer and the edge's live entry are gone within the deadline. */
  async function cutWithin(
    what: string,
    started: number,
    on: (typeof edges)[number],
    playbackId: string,
    parts: { encoder: ChildProcess; rtmpViewers: ChildProcess[]; flv?: ReturnType<typeof flvViewer> },
  ) {
    await withDeadline(
      Promise.all([
        exited(parts.encoder),
        ...parts.rtmpViewers.map(exited),
        parts.flv?.ended,
        within(
          CUT_DEADLINE_MS,
          'stream no longer live',
          () => on.edge.registry.get(playbackId)?.isLive !== true,
        ),
      ]),
      CUT_DEADLINE_MS,
      `${what}: publisher and viewers cut`,
    );
    measured[what] = Date.now() - started;
  }

  it('rotating a key (through the other api instance) cuts the old publisher and viewers; the new key publishes at once', async () => {
    const on = edges[1];
    assert.ok(on);
    const stream = await newStream(tenant, 'rotate');
    const encoder = await publish(on, stream);
    const viewer = rtmpViewer(on, stream.playbackId);
    const flv = flvViewer(`${on.http}${PlaybackHttpPaths.flv(stream.playbackId)}`);
    await watching(on, stream.playbackId, 2);

    const started = Date.now();
    const rotated = await via(0)<{ streamKey: string }>('POST', `/v1/live-streams/${stream.id}/rotate-key`, {
      bearer: tenant.key,
    });
    assert.equal(rotated.status, 200);
    await cutWithin('rotate-key', started, on, stream.playbackId, { encoder, rtmpViewers: [viewer], flv });
    // The edge's metrics count the event and what it cut (one publisher, the RTMP and the HTTP-FLV viewer).
    const metrics = await (await fetch(`${on.http}/metrics`)).text();
    assert.match(metrics, /^tributary_edge_control_events_total\{kind="stream_key_rotated"\} [1-9]/m);
    assert.match(
      metrics,
      /^tributary_edge_revocation_cuts_total\{reason="stream_key_rotated",role="publisher"\} 1$/m,
    );
    assert.match(
      metrics,
      /^tributary_edge_revocation_cuts_total\{reason="stream_key_rotated",role="viewer"\} 2$/m,
    );
    assert.match(metrics, /^tributary_edge_control_feed_lag_seconds \d/m);

    const old = peers.publish(clip, `${on.rtmp}/${stream.streamKey}`);
    const [code] = await withDeadline(once(old, 'exit'), SETUP_DEADLINE_MS, 'old key refused');
    assert.notEqual(code, 0, 'the old key is refused');
    await publish(on, { ...stream, streamKey: rotated.body.streamKey });
    // In the api: the cut session ended with the revocation as its reason, the new key's session is open.
    await within(
      SETUP_DEADLINE_MS,
      'the cut session reported with its reason, the new one open',
      async () => {
        const res = await via(1)<{ data: Array<{ liveStreamId: string; endReason: string | null }> }>(
          'GET',
          '/v1/sessions',
          { bearer: tenant.key },
        );
        const reasons = res.body.data.filter((s) => s.liveStreamId === stream.id).map((s) => s.endReason);
        return reasons.includes('stream_key_rotated') && reasons.includes(null);
      },
    );
  });

  it('disabling a stream cuts its RTMP, HTTP-FLV and HLS viewers; it cannot publish again', async () => {
    const on = edges[0];
    assert.ok(on);
    const stream = await newStream(tenant, 'disable');
    const encoder = await publish(on, stream);
    const viewer = rtmpViewer(on, stream.playbackId);
    const flv = flvViewer(`${on.http}${PlaybackHttpPaths.flv(stream.playbackId)}`);
    const playlist = `${on.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    await within(
      SETUP_DEADLINE_MS,
      'HLS playlist served',
      async () => (await fetch(playlist)).status === 200,
    );
    await watching(on, stream.playbackId, 3);

    const started = Date.now();
    assert.equal(
      (await via(1)('POST', `/v1/live-streams/${stream.id}/disable`, { bearer: tenant.key })).status,
      200,
    );
    await cutWithin('disable', started, on, stream.playbackId, { encoder, rtmpViewers: [viewer], flv });
    assert.notEqual((await fetch(playlist)).status, 200, 'HLS is not served any more');
    const again = peers.publish(clip, `${on.rtmp}/${stream.streamKey}`);
    const [code] = await withDeadline(once(again, 'exit'), SETUP_DEADLINE_MS, 'disabled stream refused');
    assert.notEqual(code, 0);
  });

  it('deleting a stream cuts its publisher and viewers', async () => {
    const on = edges[1];
    assert.ok(on);
    const stream = await newStream(tenant, 'delete');
    const encoder = await publish(on, stream);
    const viewer = rtmpViewer(on, stream.playbackId);
    await watching(on, stream.playbackId, 1);
    const started = Date.now();
    assert.equal(
      (await via(0)('DELETE', `/v1/live-streams/${stream.id}`, { bearer: tenant.key })).status,
      204,
    );
    await cutWithin('delete', started, on, stream.playbackId, { encoder, rtmpViewers: [viewer] });
  });

  it('suspending a tenant cuts its streams on every edge, and its API keys stop working', async () => {
    const suspended = await plane.newTenant('Suspended');
    const [a, b] = [edges[0], edges[1]];
    assert.ok(a && b);
    const s1 = await newStream(suspended, 'on-a');
    const s2 = await newStream(suspended, 'on-b');
    const bystander = await newStream(tenant, 'bystander');
    const [e1, e2, e3] = [await publish(a, s1), await publish(b, s2), await publish(a, bystander)];
    const [v1, v2] = [rtmpViewer(a, s1.playbackId), rtmpViewer(b, s2.playbackId)];
    await watching(a, s1.playbackId, 1);
    await watching(b, s2.playbackId, 1);

    const started = Date.now();
    const res = await via(1)('PATCH', `/v1/tenants/${suspended.id}`, plane.operator, { status: 'suspended' });
    assert.equal(res.status, 200);
    await Promise.all([
      cutWithin('suspend (edge a)', started, a, s1.playbackId, { encoder: e1, rtmpViewers: [v1] }),
      cutWithin('suspend (edge b)', started, b, s2.playbackId, { encoder: e2, rtmpViewers: [v2] }),
    ]);
    assert.equal(a.edge.registry.get(bystander.playbackId)?.isLive, true, "another tenant's stream goes on");
    assert.equal(e3.exitCode, null);
    for (const i of [0, 1]) {
      const refused = await via(i)('GET', '/v1/live-streams', { bearer: suspended.key });
      assert.equal(refused.status, 403, `API key of a suspended tenant, api ${i}`);
    }
    e3.kill('SIGKILL');
  });

  it('revoking a signing key cuts the viewers whose token it signed, and only those', async () => {
    const on = edges[0];
    assert.ok(on);
    const stream = await newStream(tenant, 'signed', 'signed');
    const encoder = await publish(on, stream);
    const sk = await via(1)<{ id: string; privateKeyPem: string }>(
      'POST',
      '/v1/signing-keys',
      { bearer: tenant.key },
      { name: 'backend' },
    );
    assert.equal(sk.status, 201);
    const tenantToken = await new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: stream.playbackId })
      .setProtectedHeader({ alg: 'EdDSA', kid: sk.body.id })
      .setExpirationTime('10m')
      .sign(createPrivateKey(sk.body.privateKeyPem));
    const minted = await plane.mintPlaybackToken(tenant, stream.playbackId);
    const revokedViewer = rtmpViewer(on, stream.playbackId, tenantToken);
    const revokedFlv = flvViewer(
      `${on.http}${PlaybackHttpPaths.flv(stream.playbackId)}?token=${tenantToken}`,
    );
    const platformViewer = rtmpViewer(on, stream.playbackId, minted.token);
    await watching(on, stream.playbackId, 3);

    const started = Date.now();
    assert.equal(
      (await via(1)('DELETE', `/v1/signing-keys/${sk.body.id}`, { bearer: tenant.key })).status,
      204,
    );
    await withDeadline(
      Promise.all([exited(revokedViewer), revokedFlv.ended]),
      CUT_DEADLINE_MS,
      'viewers of the revoked key cut',
    );
    measured['revoke signing key'] = Date.now() - started;
    assert.equal(viewers(on, stream.playbackId), 1, 'the platform-token viewer keeps watching');
    assert.equal(platformViewer.exitCode, null);
    assert.equal(encoder.exitCode, null, 'the publisher goes on');
    const again = await peers.decodeFrames(`${on.rtmp}/${stream.playbackId}?token=${tenantToken}`, 5);
    assert.equal(again.frames, 0, 'a token of the revoked key is refused');
    encoder.kill('SIGKILL');
    platformViewer.kill('SIGKILL');
  });

  it('an event written while an edge’s api is down reaches that edge once the api is back', async () => {
    const on = edges[1];
    assert.ok(on);
    const stream = await newStream(tenant, 'restart');
    const encoder = await publish(on, stream);
    const viewer = rtmpViewer(on, stream.playbackId);
    await watching(on, stream.playbackId, 1);
    await plane.stopApi(1);
    assert.equal(
      (await via(0)('POST', `/v1/live-streams/${stream.id}/disable`, { bearer: tenant.key })).status,
      200,
    );
    assert.equal(
      on.edge.registry.get(stream.playbackId)?.isLive,
      true,
      'its api is down: the edge has not heard',
    );
    await plane.startApi(1);
    const started = Date.now();
    await cutWithin('disable during api restart (after the api is back)', started, on, stream.playbackId, {
      encoder,
      rtmpViewers: [viewer],
    });
  });

  it('a cursor the feed no longer holds makes the edge resync: it checks its live streams and cuts the revoked', async () => {
    const on = edges[0];
    assert.ok(on);
    const stream = await newStream(tenant, 'lost-event');
    const encoder = await publish(on, stream);
    const viewer = rtmpViewer(on, stream.playbackId);
    await watching(on, stream.playbackId, 1);
    const { Client } = require('pg') as typeof import('pg');
    const db = new Client({ connectionString: plane.databaseUrl });
    await db.connect();
    const started = Date.now();
    try {
      // A change whose event the retention has already purged: the stream is disabled, and the feed moved
      // past every edge's cursor (two newer rows, all but the newest purged).
      await db.query('UPDATE live_streams SET disabled = true WHERE id = $1', [stream.id]);
      await db.query(`INSERT INTO control_events ("kind") VALUES ('stream_enabled'), ('stream_enabled')`);
      await db.query('DELETE FROM control_events WHERE id < (SELECT max(id) FROM control_events)');
    } finally {
      await db.end();
    }
    await cutWithin('resync after a lost cursor', started, on, stream.playbackId, {
      encoder,
      rtmpViewers: [viewer],
    });
  });

  it("one tenant's thousands of signing keys do not stop a restarted edge from verifying another tenant's tokens", async () => {
    const flooder = await plane.newTenant('Flooder');
    const { Client } = require('pg') as typeof import('pg');
    const db = new Client({ connectionString: plane.databaseUrl });
    await db.connect();
    try {
      // Written directly (the API caps signing keys per tenant); ~3,000 keys are over 256 KiB as one answer.
      await db.query(
        `INSERT INTO signing_keys ("id", "tenantId", "name", "publicKeyPem", "publicKeyX")
         SELECT 'sk_flood' || lpad(i::text, 5, '0'), $1, 'flood', 'unused', $2 FROM generate_series(1, 3000) AS i`,
        [flooder.id, randomBytes(32).toString('base64url')],
      );
    } finally {
      await db.end();
    }
    const sk = await via(0)<{ id: string; privateKeyPem: string }>(
      'POST',
      '/v1/signing-keys',
      { bearer: tenant.key },
      { name: 'after the flood' },
    );
    assert.equal(sk.status, 201);
    const stream = await newStream(tenant, 'flooded', 'signed');
    const fresh = await startEdge(1, 'edge-restarted');
    await publish(fresh, stream);
    const token = await new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: stream.playbackId })
      .setProtectedHeader({ alg: 'EdDSA', kid: sk.body.id })
      .setExpirationTime('10m')
      .sign(createPrivateKey(sk.body.privateKeyPem));
    const played = await peers.decodeFrames(`${fresh.rtmp}/${stream.playbackId}?token=${token}`, 10);
    assert.equal(played.frames, 10, played.stderr);
  });
});
