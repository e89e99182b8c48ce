import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegClipArgs } from '@tributary/test-kit';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { setLadder } from './support/ladder';
import { NOISE_CLIP, Peers } from './support/peers';

/**
 * Automatic down-switching (issue 13): an RTMP viewer that asked for `abr=auto` and cannot take its
 * rendition's bitrate is moved by the edge to the next lower live rendition. The high rendition is
 * noise (~15 Mbit/s, so the socket buffers of a viewer that stops reading fill in seconds); the viewer
 * is rtmpdump writing to a pipe nobody reads.
 */

const STEP_DEADLINE_MS = 60_000;
const LADDER = [
  { name: 'high', width: 320, height: 240, videoBitrateKbps: 15_000, audioBitrateKbps: 0 },
  { name: 'low', width: 320, height: 240, videoBitrateKbps: 300, audioBitrateKbps: 64 },
];

describe('abr=auto: a lagging RTMP viewer is moved down the ladder', { timeout: 180_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let peers: Peers;
  let owner: TenantHandle;
  let stream: StreamHandle;
  let edge: EdgeHandle;
  let noise: string;
  let calm: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-auto-'));
    peers = new Peers();
    noise = join(dir, 'noise.flv');
    calm = join(dir, 'calm.flv');
    const made = await peers.run('ffmpeg', ffmpegClipArgs(noise, NOISE_CLIP));
    assert.equal(made.code, 0, made.stderr);
    await peers.makeClip(calm, 4);
    plane = await ControlPlane.start({ dir });
    owner = await plane.newTenant('Auto');
    stream = await plane.newStream(owner, 'auto ladder');
    await setLadder(plane, owner, stream.id, 'encoder', LADDER);
    // A small queue, so dropping (the lagging signal) starts soon; a long lag before a viewer is cut.
    edge = await plane.startEdge({
      name: 'auto-edge',
      env: { VIEWER_QUEUE_MAX_BYTES: String(256 * 1024), VIEWER_MAX_LAG_MS: '60000' },
    });
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('switches a viewer that stops reading from high to low, and counts it', async () => {
    peers.publish(noise, `${edge.rtmp}/${stream.streamKey}_high`);
    peers.publish(calm, `${edge.rtmp}/${stream.streamKey}_low`);
    // Both live before the viewer comes.
    for (const r of LADDER) {
      const played = await peers.decodeFrames(`${edge.rtmp}/${stream.playbackId}_${r.name}`, 5);
      assert.equal(played.frames, 5, played.stderr);
    }
    // rtmpdump writing to a pipe nobody reads: once the pipe is full it stops reading its socket.
    peers.spawn('rtmpdump', [
      '-q',
      '--live',
      '-r',
      `${edge.rtmp}?abr=auto/${stream.playbackId}_high`,
      '-o',
      '-',
    ]);
    const moved = await edge.proc.waitForLog(
      (l) => l.msg === 'viewer moved down the ladder',
      'the lagging viewer moved down',
      STEP_DEADLINE_MS,
    );
    assert.deepEqual([moved.from, moved.to], ['high', 'low']);
    assert.equal(await edgeMetric(edge, 'tributary_edge_auto_switches_down_total'), 1);
    // A viewer that reads is never moved: it plays high to the end of its frames.
    const reader = await peers.decodeFrames(`${edge.rtmp}/${stream.playbackId}_high?abr=auto`, 50);
    assert.equal(reader.frames, 50, reader.stderr);
    assert.equal(await edgeMetric(edge, 'tributary_edge_auto_switches_down_total'), 1);
  });
});
