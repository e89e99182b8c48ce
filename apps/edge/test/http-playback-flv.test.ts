import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { ffmpegClipArgs } from '@tributary/test-kit';
import { FlvViewer } from '../src/http-playback/flv-viewer';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { nonMonotonic, probePackets } from './support/media-probe';
import { NOISE_CLIP, Peers } from './support/peers';

/** Small bounds so a stalled reader hits them within seconds (docs/reliability.md: slow-viewer uses ≤ 10 s). */
const QUEUE_BYTES = 512 * 1024;
const MAX_LAG_MS = 2000;
/** One message may be written past the bound before dropping starts: a noise keyframe is < 1 MiB. */
const LARGEST_MESSAGE_SLACK = 1024 * 1024;

describe('HTTP-FLV from the edge, with ffmpeg publishing and ffprobe playing', () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-flv-'));
  const clip = join(dir, 'clip.flv');
  const noise = join(dir, 'noise.flv');
  let run: RunningEdge;
  const flvUrl = (id: string) => `${run.httpUrl}${PlaybackHttpPaths.flv(id)}`;
  const flvViewers = (id: string) =>
    [...(run.edge.registry.get(id)?.viewers.keys() ?? [])].filter(
      (v): v is FlvViewer => v instanceof FlvViewer,
    );

  before(async () => {
    await peers.makeClip(clip, 4);
    // Random noise defeats compression (~15 Mbit/s), so a stalled reader's socket buffers fill in seconds.
    const made = await peers.run('ffmpeg', ffmpegClipArgs(noise, NOISE_CLIP));
    assert.equal(made.code, 0, made.stderr);
    run = await startEdge({
      VIEWER_QUEUE_MAX_BYTES: String(QUEUE_BYTES),
      VIEWER_MAX_LAG_MS: String(MAX_LAG_MS),
    });
    run.api.allow('flv-key', { playbackId: 'flvpb' });
    run.api.allow('noise-key', { playbackId: 'noisepb' });
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 404 for a stream that is not live (HTTP-FLV viewers do not wait)', async () => {
    const res = await fetch(flvUrl('flvpb'));
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it('streams from the GOP cache on: ffprobe decodes video and audio with monotonic timestamps', async () => {
    const publisher = peers.publish(clip, `${run.rtmpUrl}/flv-key`);
    await until(() => run.edge.registry.get('flvpb')?.isLive === true);
    const probed = await probePackets(peers, flvUrl('flvpb'), ['-read_intervals', '%+3']);
    assert.equal(probed.code, 0, probed.stderr);
    assert.equal(probed.stderr, '', 'ffprobe -v error reports nothing');
    const video = probed.packets.filter((p) => p.codec_type === 'video');
    assert.ok(video.length >= 50, `${video.length} video packets in 3 s`);
    assert.ok(probed.packets.some((p) => p.codec_type === 'audio'));
    assert.deepEqual(nonMonotonic(probed.packets), []);
    assert.match(video[0]?.flags ?? '', /^K/, 'the first video tag is the cached GOP keyframe');
    publisher.kill('SIGKILL');
    await until(() => run.edge.registry.get('flvpb')?.isLive !== true);
  });

  it('counts the response as a viewer while it is open and ends it when the publisher leaves', async () => {
    const publisher = peers.publish(clip, `${run.rtmpUrl}/flv-key`);
    await until(() => run.edge.registry.get('flvpb')?.isLive === true);
    const res = await fetch(flvUrl('flvpb'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/x-flv');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const reader = res.body!.getReader();
    const head = await reader.read();
    assert.equal(Buffer.from(head.value!).subarray(0, 3).toString('latin1'), 'FLV');
    assert.equal(flvViewers('flvpb').length, 1);
    publisher.kill('SIGKILL');
    let bytes = head.value!.length;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      bytes += chunk.value.length;
    assert.ok(bytes > 13, 'tags followed the header');
    await until(() => run.edge.registry.get('flvpb') === undefined);
  });

  it('bounds a stalled reader, drops it to keyframes and disconnects it, while a normal viewer plays on', async (t) => {
    peers.publish(noise, `${run.rtmpUrl}/noise-key`);
    await until(() => run.edge.registry.get('noisepb')?.isLive === true);
    const { port } = new URL(run.httpUrl);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.on('error', () => {});
    stalled.write(`GET ${PlaybackHttpPaths.flv('noisepb')} HTTP/1.1\r\nHost: edge\r\n\r\n`);
    stalled.pause();
    t.after(() => stalled.destroy());
    await until(() => flvViewers('noisepb').length === 1);
    const slow = flvViewers('noisepb')[0]!;
    let maxBacklog = 0;
    const sampler = setInterval(() => {
      maxBacklog = Math.max(maxBacklog, slow.backlog);
    }, 10);

    const normal = probePackets(peers, flvUrl('noisepb'), ['-read_intervals', '%+3']);
    await until(() => run.edge.playback.stats.flvSlowDisconnects === 1);
    clearInterval(sampler);
    const probed = await normal;

    t.diagnostic(`stalled HTTP-FLV reader: max response backlog ${maxBacklog} bytes`);
    assert.ok(maxBacklog <= QUEUE_BYTES + LARGEST_MESSAGE_SLACK, `backlog ${maxBacklog} stayed bounded`);
    assert.ok(run.edge.playback.stats.flvDroppedMessages > 0);
    assert.ok(!flvViewers('noisepb').includes(slow), 'the stalled reader is no longer a viewer');
    assert.equal(probed.code, 0, probed.stderr);
    assert.deepEqual(nonMonotonic(probed.packets), []);
    const metrics = await (await fetch(`${run.httpUrl}/metrics`)).text();
    assert.match(metrics, /^tributary_edge_http_flv_slow_disconnects_total 1$/m);
  });
});
