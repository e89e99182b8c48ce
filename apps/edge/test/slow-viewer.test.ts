import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BroadcastSink } from '@tributary/rtmp-core';
import { ffmpegClipArgs } from '@tributary/test-kit';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { NOISE_CLIP, Peers } from './support/peers';

/** Small bounds so the slow viewer hits them within seconds. */
const QUEUE_BYTES = 512 * 1024;
const MAX_LAG_MS = 2000;
/** One message may be written past the bound before dropping starts: a noise keyframe is < 1 MiB. */
const LARGEST_MESSAGE_SLACK = 1024 * 1024;

describe('a viewer reading far slower than the bitrate (docs/reliability.md: slow-viewer)', {
  timeout: 60_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-slow-'));
  const clip = join(dir, 'noise.flv');
  let run: RunningEdge;

  before(async () => {
    // Random noise defeats compression: ~15 Mbit/s, so the kernel's socket buffers fill in seconds.
    const made = await peers.run('ffmpeg', ffmpegClipArgs(clip, NOISE_CLIP));
    assert.equal(made.code, 0, made.stderr);
    run = await startEdge({
      VIEWER_QUEUE_MAX_BYTES: String(QUEUE_BYTES),
      VIEWER_MAX_LAG_MS: String(MAX_LAG_MS),
    });
    run.api.allow('noise-key', { playbackId: 'noisepb' });
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bounds its queue, disconnects it, and leaves a normal viewer whole', async (t) => {
    peers.publish(clip, `${run.rtmpUrl}/noise-key`);
    await until(() => run.edge.registry.get('noisepb')?.isLive === true);
    const entry = run.edge.registry.get('noisepb')!;

    // rtmpdump writing to a pipe nobody reads: once the pipe is full it stops reading its socket.
    peers.spawn('rtmpdump', ['-q', '--live', '-r', `${run.rtmpUrl}/noisepb`, '-o', '-']);
    await until(() => entry.viewers.size === 1);
    const slow = [...entry.viewers.keys()][0] as BroadcastSink;
    let maxQueued = 0;
    const sampler = setInterval(() => {
      maxQueued = Math.max(maxQueued, slow.writableLength);
    }, 10);
    const rssBefore = process.memoryUsage().rss;

    const normal = peers.decodeFrames(`${run.rtmpUrl}/noisepb`, 150);
    await until(() =>
      run.edge.metrics.registry.render().includes('tributary_edge_slow_viewer_disconnects_total 1'),
    );
    const played = await normal;
    clearInterval(sampler);

    t.diagnostic(
      `slow viewer: max socket backlog ${maxQueued} bytes; test process RSS +${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)} MiB`,
    );
    assert.ok(maxQueued <= QUEUE_BYTES + LARGEST_MESSAGE_SLACK, `backlog ${maxQueued} stayed bounded`);
    assert.ok(!entry.viewers.has(slow), 'the slow viewer is gone');
    assert.equal(played.frames, 150, `the normal viewer decoded every frame: ${played.stderr}`);
    assert.equal(played.stderr, '');
  });
});
