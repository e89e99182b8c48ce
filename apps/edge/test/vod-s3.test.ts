import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Asset, AssetSchema, PlaybackHttpPaths } from '@tributary/contracts';
import { PeerProcesses, run, tempDir, waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type TenantHandle } from './support/control-plane';

/**
 * On-demand assets on S3-compatible storage (issue 12) through real processes: two api instances
 * share one bucket on a real S3 server (s3rver, random port) and nothing else but the database; a
 * file uploaded to the first plays as HLS from an edge that follows the second (every frame decodes),
 * because edges read ranges through the api, which reads them from S3. Deleting the asset through
 * either api stops playback everywhere. A live session recorded at an edge of one api is stored in
 * the bucket and plays from an edge of the other.
 */

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(__filename)('s3rver') as new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const CLIP_SECONDS = 6;
const FPS = 25;
const PEER_DEADLINE_MS = 30_000;

describe('on-demand assets on S3, played from every edge of a fleet', () => {
  const dir = tempDir('tributary-vod-s3-');
  const peers = new PeerProcesses();
  let s3: S3rverInstance;
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edge: EdgeHandle;
  let mp4: string;

  before(async () => {
    mp4 = join(dir.path, 'talk.mp4');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(FPS)],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4],
    ]);
    assert.equal(made.code, 0, made.stderr);
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: join(dir.path, 's3'),
      silent: true,
      configureBuckets: [{ name: 'fleet-assets' }],
    });
    const { port } = await s3.run();
    plane = await ControlPlane.start({
      dir: dir.path,
      apis: 2,
      env: {
        ASSET_STORAGE: 's3',
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_BUCKET: 'fleet-assets',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    tenant = await plane.newTenant('On demand on S3');
    edge = await plane.startEdge({ name: 'vod-s3', api: 1, env: { VOD_SEGMENT_TARGET_MS: '2000' } });
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    await s3?.close();
    await dir.remove();
  });

  it('an upload to one api plays as HLS from an edge following the other; delete stops it', async () => {
    const form = new FormData();
    form.set('file', new Blob([readFileSync(mp4)]), 'talk.mp4');
    const res = await fetch(`${plane.apis[0]?.url}/v1/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}` },
      body: form,
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(res.status, 201);
    const id = AssetSchema.parse(await res.json()).id;
    let asset: Asset | undefined;
    await waitUntil(
      async () => {
        // Asked of the other api: its own disk never saw the file.
        asset = AssetSchema.parse(
          (await plane.via(1)('GET', `/v1/assets/${id}`, { bearer: tenant.key })).body,
        );
        return asset.status !== 'preparing';
      },
      { timeoutMs: 20_000, what: `asset ${id} ready` },
    );
    assert.equal(asset?.status, 'ready', asset?.error ?? '');
    const playbackId = (asset as Asset).playbackId;

    const url = `${edge.http}${PlaybackHttpPaths.vodHlsPlaylist(playbackId)}`;
    const playlist = await (await fetch(url)).text();
    assert.match(playlist, /#EXT-X-ENDLIST/);
    const decoded = await withDeadline(
      peers.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', url, '-map', '0:v', '-f', 'framemd5', '-']),
      `ffmpeg decoding ${url}`,
      PEER_DEADLINE_MS,
    );
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.equal(decoded.stderr.trim(), '', 'no decode errors');
    const frames = decoded.stdout.split('\n').filter((l) => /^\d/.test(l)).length;
    assert.equal(frames, CLIP_SECONDS * FPS, 'every frame of the file decodes from the HLS');

    const deleted = await plane.via(0)('DELETE', `/v1/assets/${id}`, { bearer: tenant.key });
    assert.equal(deleted.status, 204);
    // The edge's asset lookups are cached briefly; a deleted asset stops playing within that bound.
    await waitUntil(async () => (await fetch(url)).status === 404, {
      timeoutMs: 30_000,
      what: 'the deleted asset stops playing',
    });
  });

  it('a session recorded at an edge of one api lands in the bucket and plays from an edge of the other', async () => {
    const stream = await plane.newStream(tenant, 'Recorded on S3');
    const patched = await plane.via(0)(
      'PATCH',
      `/v1/live-streams/${stream.id}`,
      { bearer: tenant.key },
      { record: true },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const ingest = await plane.startEdge({
      name: 'ingest-s3',
      api: 0,
      env: { RECORDINGS_DIR: join(dir.path, 'recordings') },
    });
    const published = await withDeadline(
      peers.run('ffmpeg', [
        ...['-v', 'error', '-nostdin', '-re', '-i', mp4, '-t', '4', '-c', 'copy', '-f', 'flv'],
        `${ingest.rtmp}/${stream.streamKey}`,
      ]),
      'ffmpeg publishing',
      PEER_DEADLINE_MS,
    );
    assert.equal(published.code, 0, published.stderr);
    let recording: Asset | undefined;
    await waitUntil(
      async () => {
        const list = (
          await plane.via(1)('GET', `/v1/assets?liveStreamId=${stream.id}`, { bearer: tenant.key })
        ).body as { data: Asset[] };
        recording = list.data[0];
        return recording !== undefined && recording.status !== 'preparing';
      },
      { timeoutMs: 30_000, what: 'the recording handed over and indexed' },
    );
    assert.equal(recording?.status, 'ready', recording?.error ?? '');
    assert.equal(recording?.source, 'recording');
    assert.equal(recording?.liveStreamId, stream.id);
    const url = `${edge.http}${PlaybackHttpPaths.vodHlsPlaylist((recording as Asset).playbackId)}`;
    const decoded = await withDeadline(
      peers.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', url, '-map', '0:v', '-f', 'framemd5', '-']),
      `ffmpeg decoding ${url}`,
      PEER_DEADLINE_MS,
    );
    assert.equal(decoded.code, 0, decoded.stderr);
    const frames = decoded.stdout.split('\n').filter((l) => /^\d/.test(l)).length;
    assert.ok(
      Math.abs(frames - 4 * FPS) <= FPS,
      `${frames} frames of the 4 s session decode from the recording`,
    );
  });
});
