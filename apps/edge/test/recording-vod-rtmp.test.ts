import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Asset, AssetSchema, listOf } from '@tributary/contracts';
import { waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * A recorded live session played back on demand over RTMP (issue 12's proof): ffmpeg publishes a 20 s
 * H.264/AAC session to a stream with `record` on; once the session ends the recording is an asset, and
 * `rtmpdump -A 10 -B 14` gets exactly the session's frames from 10 s to 14 s, and ffmpeg `-ss 16` on the
 * RTMP URL gets its frames from the 16 s keyframe to the end, decoded frame for frame against the source.
 */
const SECONDS = 20;
const FPS = 25;
const PEER_DEADLINE_MS = 60_000;
const AssetList = listOf(AssetSchema);

describe('a recorded session plays on demand over RTMP', { timeout: 240_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-recording-vod-rtmp-'));
  const clip = join(dir, 'session.flv');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edge: EdgeHandle;
  let asset: Asset;
  let vodUrl: string;
  /** The md5 of each decoded frame of what was published. */
  let sourceFrames: string[] = [];
  /** Each published video frame's time (s) and whether it is a keyframe (ffmpeg's FLV starts video at 23 ms). */
  let sourcePackets: { pts: number; key: boolean }[] = [];

  async function run(cmd: string, args: string[]) {
    const res = await withDeadline(peers.run(cmd, args), `${cmd} ${args.slice(-1)[0]}`, PEER_DEADLINE_MS);
    return res;
  }

  const frameMd5s = (file: string): Promise<string[]> => peers.frameMd5s(file, PEER_DEADLINE_MS);

  before(async () => {
    // 1 s GOPs (a keyframe on every second), 25 fps, AAC: what an encoder sends.
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(FPS)],
      ...['-keyint_min', String(FPS), '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-f', 'flv', clip],
    ]);
    assert.equal(made.code, 0, made.stderr);
    sourceFrames = await frameMd5s(clip);
    assert.equal(sourceFrames.length, SECONDS * FPS);
    const probed = await run('ffprobe', [
      ...[
        '-v',
        'error',
        '-select_streams',
        'v',
        '-show_entries',
        'packet=pts_time,flags',
        '-of',
        'csv=p=0',
        clip,
      ],
    ]);
    assert.equal(probed.code, 0, probed.stderr);
    sourcePackets = probed.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ pts: Number(l.split(',')[0]), key: (l.split(',')[1] ?? '').startsWith('K') }));
    assert.equal(sourcePackets.length, sourceFrames.length);
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('Recorded VOD');
    edge = await plane.startEdge({ name: 'rec-vod', env: { RECORDINGS_DIR: join(dir, 'recordings') } });
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    if (!process.env.KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  });

  it('records the 20 s session and hands it over as a ready asset of the same length', async () => {
    const stream = await plane.newStream(tenant, 'Keynote');
    const patched = await plane.via(0)(
      'PATCH',
      `/v1/live-streams/${stream.id}`,
      { bearer: tenant.key },
      {
        record: true,
      },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    // Published as fast as the edge takes it: the recording keeps the session's own timestamps.
    const published = await run('ffmpeg', [
      ...['-v', 'error', '-nostdin', '-i', clip, '-c', 'copy', '-f', 'flv'],
      `${edge.rtmp}/${stream.streamKey}`,
    ]);
    assert.equal(published.code, 0, published.stderr);
    await waitUntil(
      async () => {
        const list = AssetList.parse((await plane.via(0)('GET', '/v1/assets', { bearer: tenant.key })).body);
        const found = list.data.find((a) => a.source === 'recording' && a.status !== 'preparing');
        if (found !== undefined) asset = found;
        return found !== undefined;
      },
      { timeoutMs: 60_000, what: 'the recording to become an asset' },
    );
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.playbackPolicy, 'public');
    assert.ok(
      asset.durationMs !== null && Math.abs(asset.durationMs - SECONDS * 1000) < 200,
      `${asset.durationMs} ms`,
    );
    vodUrl = `${edge.rtmp.replace(/\/live$/, '/vod')}`;
  });

  /** Index of the keyframe at or before `seconds`: where a seek or a start offset lands. */
  const landing = (seconds: number): number =>
    sourcePackets.reduce((at, p, i) => (p.key && p.pts <= seconds ? i : at), 0);

  it('rtmpdump -A 10 -B 14 plays exactly the session frames from the keyframe at or before 10 s to 14 s', async () => {
    assert.ok(asset, 'the recording exists');
    const out = join(dir, 'dumped.flv');
    const res = await run('rtmpdump', [
      '-q',
      '-r',
      `${vodUrl}/mp4:${asset.playbackId}`,
      '-A',
      '10',
      '-B',
      '14',
      '-o',
      out,
    ]);
    // rtmpdump exits 2 when it stopped at -B before the stream's own end ("incomplete" download).
    assert.ok(res.code === 0 || res.code === 2, `rtmpdump exit ${res.code}: ${res.stderr}`);
    const from = landing(10);
    const to = sourcePackets.findIndex((p) => p.pts >= 14);
    assert.equal(sourcePackets[from]?.key, true);
    assert.deepEqual(await frameMd5s(out), sourceFrames.slice(from, to));
  });

  it('ffmpeg -ss 16 on the RTMP URL plays the session from the first frame at 16 s to its end', async () => {
    assert.ok(asset, 'the recording exists');
    const out = join(dir, 'tail.flv');
    const res = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-ss', '16', '-i', `${vodUrl}/${asset.playbackId}`],
      ...['-c', 'copy', out],
    ]);
    assert.equal(res.code, 0, res.stderr);
    // The edge starts at the keyframe at or before 16 s; ffmpeg's input -ss drops what precedes 16 s.
    assert.deepEqual(await frameMd5s(out), sourceFrames.slice(sourcePackets.findIndex((p) => p.pts >= 16)));
  });
});
