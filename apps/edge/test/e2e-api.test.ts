import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { freePort, type JsonLogProcess, spawnJsonLogProcess } from '@tributary/test-kit';
import { SignJWT } from 'jose';
import { parseEdgeConfig } from '../src/config';
import { Edge } from '../src/edge';
import { until } from './support/edge-harness';
import { Peers } from './support/peers';

/** The real control plane, built by its own package (apps/api). */
const API_MAIN = resolve(__dirname, '../../../api/dist/src/main.js');
const OPERATOR = { email: 'operator@edge-e2e.test', password: 'edge-e2e-password-1' };

/** A REST caller with either the operator cookie or a tenant API key. */
function restClient(base: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    auth: { cookie?: string; bearer?: string; tenantId?: string },
    body?: unknown,
  ): Promise<{ status: number; body: T; headers: Headers }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    if (auth.tenantId) headers['x-tenant-id'] = auth.tenantId;
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };
}

describe('end to end with the real api (apps/api) and a real database', { timeout: 180_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-e2e-'));
  const clip = join(dir, 'clip.flv');
  let api: JsonLogProcess;
  let edge: Edge;
  let rest: ReturnType<typeof restClient>;
  let rtmpBase = '';
  let apiKey = '';
  const live = { id: '', playbackId: '', streamKey: '' };
  const other = { playbackId: '' };

  before(async () => {
    assert.ok(existsSync(API_MAIN), `build apps/api first (${API_MAIN})`);
    await peers.makeClip(clip);
    api = spawnJsonLogProcess(API_MAIN, {
      stderr: 'inherit',
      env: {
        PATH: process.env.PATH ?? '',
        API_HOST: '127.0.0.1',
        API_PORT: '0',
        DATA_DIR: join(dir, 'api-data'),
        EMBEDDED_PG_PORT: '0',
        BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
        BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
        // info: the 'api listening' line (with its URL) is how the test learns the port.
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        // Edge answers are cached by the edge for at most 30 s; stats are what this test reads back.
        EDGE_HEARTBEAT_INTERVAL_SECONDS: '10',
      },
    });
    const listening = await api.waitForLog((l) => String(l.msg).startsWith('api listening'), 'api listening');
    const apiUrl = String(listening.url);
    rest = restClient(apiUrl);

    const login = await rest('POST', '/v1/auth/login', {}, OPERATOR);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const tenant = await rest<{ id: string }>('POST', '/v1/tenants', { cookie }, { name: 'Edge E2E' });
    assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    rtmpBase = `rtmp://127.0.0.1:${rtmpPort}/live`;
    const registered = await rest<{ credential: string }>(
      'POST',
      '/v1/edges',
      { cookie },
      {
        name: 'e2e-edge',
        region: 'local',
        rtmpUrl: rtmpBase,
        httpUrl: `http://127.0.0.1:${httpPort}`,
      },
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const key = await rest<{ key: string }>(
      'POST',
      '/v1/api-keys',
      { cookie, tenantId: tenant.body.id },
      { name: 'e2e' },
    );
    assert.equal(key.status, 201, JSON.stringify(key.body));
    apiKey = key.body.key;
    const stream = await rest<{ id: string; playbackId: string; streamKey: string }>(
      'POST',
      '/v1/live-streams',
      { bearer: apiKey },
      { name: 'Main stage', playbackPolicy: 'signed' },
    );
    assert.equal(stream.status, 201, JSON.stringify(stream.body));
    Object.assign(live, {
      id: stream.body.id,
      playbackId: stream.body.playbackId,
      streamKey: stream.body.streamKey,
    });
    const second = await rest<{ playbackId: string }>(
      'POST',
      '/v1/live-streams',
      { bearer: apiKey },
      { name: 'Other' },
    );
    other.playbackId = second.body.playbackId;

    const cfg = parseEdgeConfig({
      EDGE_API_URL: apiUrl,
      EDGE_API_TOKEN: registered.body.credential,
      RTMP_HOST: '127.0.0.1',
      RTMP_PORT: String(rtmpPort),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      STATS_INTERVAL_SECONDS: '1',
    });
    edge = new Edge(
      cfg,
      createLogger({ name: 'edge-e2e', level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' }),
    );
    await edge.start();
  });

  after(async () => {
    await peers.stopAll();
    await edge?.stop();
    if (api && api.child.exitCode === null) {
      const exited = once(api.child, 'exit');
      api.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const mintToken = async (playbackId: string) => {
    const res = await rest<{ token: string; playback: { rtmp: string } }>(
      'POST',
      '/v1/playback-tokens',
      { bearer: apiKey },
      { playbackId },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  it('publishes with the ingest URL the api returns and plays with a token it mints', async () => {
    // The api lists an edge for ingest once it is healthy, i.e. after its first heartbeat.
    let server: string | undefined;
    await until(async () => {
      const stream = await rest<{ ingest: Array<{ server: string }> }>('GET', `/v1/live-streams/${live.id}`, {
        bearer: apiKey,
      });
      server = stream.body.ingest.find((i) => i.server === rtmpBase)?.server;
      return server !== undefined;
    }, 250);
    peers.publish(clip, `${server}/${live.streamKey}`);
    await until(() => edge.registry.get(live.playbackId)?.isLive === true);
    const { token } = await mintToken(live.playbackId);
    const played = await peers.decodeFrames(`${rtmpBase}/${live.playbackId}?token=${token}`, 30);
    assert.equal(played.frames, 30, played.stderr);
  });

  it('plays to rtmpdump --live and --live --subscribe with a minted token', async () => {
    const { token } = await mintToken(live.playbackId);
    const url = `${rtmpBase}/${live.playbackId}?token=${token}`;
    const plain = await peers.rtmpdumpFrames(['-r', url], join(dir, 'plain.flv'));
    assert.ok(plain.frames >= 25, `rtmpdump saved ${plain.frames} frames`);
    const subscribed = await peers.rtmpdumpFrames(
      ['-r', url, '--subscribe', live.playbackId],
      join(dir, 'sub.flv'),
    );
    assert.ok(subscribed.frames >= 25, `rtmpdump --subscribe saved ${subscribed.frames} frames`);
  });

  it('shows the session active with its viewer count in the api', async () => {
    const { token } = await mintToken(live.playbackId);
    const viewer = peers.spawn('ffmpeg', [
      '-v',
      'error',
      '-i',
      `${rtmpBase}/${live.playbackId}?token=${token}`,
      '-f',
      'null',
      '-',
    ]);
    await until(async () => {
      const res = await rest<{ currentSession: { viewers: number; videoCodec: string | null } | null }>(
        'GET',
        `/v1/live-streams/${live.id}`,
        { bearer: apiKey },
      );
      return (res.body.currentSession?.viewers ?? 0) >= 1 && res.body.currentSession?.videoCodec === 'h264';
    }, 250);
    viewer.kill('SIGKILL');
  });

  it('refuses a wrong key, a second publisher, and wrong or expired tokens', async () => {
    const wrongKey = peers.publish(clip, `${rtmpBase}/not-a-real-key`);
    const second = peers.publish(clip, `${rtmpBase}/${live.streamKey}`);
    const [[wrongCode], [secondCode]] = await Promise.all([once(wrongKey, 'exit'), once(second, 'exit')]);
    assert.notEqual(wrongCode, 0);
    assert.notEqual(secondCode, 0);
    assert.equal(edge.metrics.publishAuth.get({ result: 'unknown_key' }), 1);
    assert.equal(edge.metrics.publishAuth.get({ result: 'already_publishing' }), 1);

    const otherToken = (await mintToken(other.playbackId)).token;
    const wrong = await peers.decodeFrames(`${rtmpBase}/${live.playbackId}?token=${otherToken}`, 5);
    assert.equal(wrong.frames, 0);

    const signing = await rest<{ id: string; privateKeyPem: string }>(
      'POST',
      '/v1/signing-keys',
      { bearer: apiKey },
      { name: 'e2e' },
    );
    assert.equal(signing.status, 201, JSON.stringify(signing.body));
    await edge.refreshPlaybackKeys();
    const sign = (exp: number) =>
      new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: live.playbackId, exp })
        .setProtectedHeader({ alg: 'EdDSA', kid: signing.body.id })
        .sign(createPrivateKey(signing.body.privateKeyPem));
    const now = Math.floor(Date.now() / 1000);
    const expired = await peers.decodeFrames(
      `${rtmpBase}/${live.playbackId}?token=${await sign(now - 60)}`,
      5,
    );
    assert.equal(expired.frames, 0);
    const tenantSigned = await peers.decodeFrames(
      `${rtmpBase}/${live.playbackId}?token=${await sign(now + 600)}`,
      10,
    );
    assert.equal(tenantSigned.frames, 10, 'a token signed with the tenant key plays');
    assert.equal(edge.metrics.playAuth.get({ result: 'token_expired' }), 1);
    assert.equal(edge.metrics.playAuth.get({ result: 'token_wrong_stream' }), 1);
  });

  it('shows the session ended once the publisher stops', async () => {
    await peers.stopAll();
    await until(() => edge.registry.get(live.playbackId)?.isLive !== true);
    await until(async () => {
      const res = await rest<{ data: Array<{ endedAt: string | null }> }>(
        'GET',
        `/v1/sessions?liveStreamId=${live.id}`,
        { bearer: apiKey },
      );
      return res.body.data.length > 0 && res.body.data.every((s) => s.endedAt !== null);
    }, 250);
  });
});
