import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AssetSchema, listOf } from '@tributary/contracts';
import { type JsonLogProcess, spawnJsonLogProcess, waitUntil } from '@tributary/test-kit';
import { ControlPlane, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * Recording end to end (issue 12): a stream with `record` on, published with ffmpeg to a real edge
 * process on the real api, becomes a ready asset of its tenant when the session ends; an edge killed
 * with SIGKILL mid-session hands over what it had recorded when it starts again.
 */

const EDGE_MAIN = resolve(__dirname, '../src/main.js');
const AssetList = listOf(AssetSchema);

describe('recordings become assets', { timeout: 180_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-recording-e2e-'));
  const clip = join(dir, 'clip.flv');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  const procs: JsonLogProcess[] = [];

  before(async () => {
    await peers.makeClip(clip, 2);
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('Recorder');
  });
  after(async () => {
    await peers.stopAll();
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function recordedStream(name: string): Promise<StreamHandle> {
    const stream = await plane.newStream(tenant, name);
    const patched = await plane.via(0)(
      'PATCH',
      `/v1/live-streams/${stream.id}`,
      { bearer: tenant.key },
      { record: true },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    return stream;
  }

  /** An edge process with its own credential and recordings folder (the same env restarts the same edge). */
  async function edgeEnv(name: string) {
    const { credential, rtmp, rtmpPort, httpPort } = await plane.registerEdge({ name });
    const api = plane.apis[0];
    assert.ok(api);
    const env = {
      PATH: process.env.PATH ?? '',
      EDGE_API_URL: api.url,
      EDGE_API_TOKEN: credential,
      RTMP_HOST: '127.0.0.1',
      RTMP_PORT: String(rtmpPort),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      STATS_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '1',
      RECORDINGS_DIR: join(dir, `recordings-${name}`),
    };
    return { env, rtmp };
  }

  async function startEdgeProcess(env: Record<string, string>, name: string): Promise<JsonLogProcess> {
    const proc = spawnJsonLogProcess(EDGE_MAIN, { stderr: 'inherit', env });
    procs.push(proc);
    await proc.waitForLog((l) => l.msg === 'edge ready', `${name} ready`, 20_000);
    return proc;
  }

  /** The tenant's recording asset named after `streamName`, once indexed. */
  async function recordingOf(streamName: string) {
    let found: ReturnType<typeof AssetSchema.parse> | undefined;
    await waitUntil(
      async () => {
        const list = AssetList.parse((await plane.via(0)('GET', '/v1/assets', { bearer: tenant.key })).body);
        found = list.data.find(
          (a) =>
            a.source === 'recording' && a.status !== 'preparing' && a.name.startsWith(`${streamName} · `),
        );
        return found !== undefined;
      },
      { timeoutMs: 30_000, what: `the recording of ${streamName} to become an asset` },
    );
    return found as ReturnType<typeof AssetSchema.parse>;
  }

  it('records a session as it arrives and hands it over as a ready asset when it ends', async () => {
    const stream = await recordedStream('Lecture');
    const { env, rtmp } = await edgeEnv('rec-a');
    const edge = await startEdgeProcess(env, 'rec-a');
    const run = await peers.publishOnce(clip, `${rtmp}/${stream.streamKey}`);
    assert.equal(run.code, 0, run.stderr);
    const asset = await recordingOf('Lecture');
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.match(asset.name, /^Lecture · /);
    assert.ok(
      asset.durationMs !== null && Math.abs(asset.durationMs - 2000) < 400,
      `duration ${asset.durationMs}`,
    );
    assert.deepEqual([asset.tracks.video?.codec, asset.tracks.audio?.codec], ['h264', 'aac']);
    await waitUntil(() => readdirSync(env.RECORDINGS_DIR).length === 0, {
      timeoutMs: 10_000,
      what: 'the handed-over recording removed from the edge',
    });
    edge.child.kill('SIGTERM');
  });

  it('keeps what an edge killed mid-session had recorded, and hands it over when the edge starts again', async () => {
    const stream = await recordedStream('Keynote');
    const { env, rtmp } = await edgeEnv('rec-b');
    const first = await startEdgeProcess(env, 'rec-b');
    const encoder = peers.publish(clip, `${rtmp}/${stream.streamKey}`);
    await waitUntil(
      async () =>
        (await plane.via(0)('GET', `/v1/live-streams/${stream.id}`, { bearer: tenant.key })).body.status ===
        'active',
      { timeoutMs: 20_000, what: 'the stream live' },
    );
    await new Promise((r) => setTimeout(r, 3000));
    const killed = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await killed;
    encoder.kill('SIGKILL');
    assert.ok(
      readdirSync(env.RECORDINGS_DIR).some((n) => n.endsWith('.flv.part')),
      'the interrupted recording is on disk',
    );
    // The same edge (its credential and folder) starts again: it ends the recording where it stopped.
    await startEdgeProcess(env, 'rec-b again');
    const asset = await recordingOf('Keynote');
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.ok(
      asset.durationMs !== null && asset.durationMs >= 1500,
      `duration ${asset.durationMs}: what arrived before the kill`,
    );
    await waitUntil(() => readdirSync(env.RECORDINGS_DIR).length === 0, {
      timeoutMs: 10_000,
      what: 'the recovered recording removed from the edge',
    });
  });
});
