import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * Dynamic streaming with an encoder ladder (issue 13) through a real api and a real edge: one ffmpeg
 * publishes three renditions of one testsrc (aligned GOPs) to <stream key>_<rendition>; each plays
 * as <playbackId>_<rendition> with the stream's token; an unknown rendition is refused at publish.
 */

/** One encoder or player step on a busy 2-core machine. */
const STEP_DEADLINE_MS = 30_000;
/** GOP of every rendition, in frames (25 fps: one keyframe a second, at the same instants). */
const GOP = 25;

const LADDER = [
  { name: 'high', width: 640, height: 360, videoBitrateKbps: 900, audioBitrateKbps: 96 },
  { name: 'mid', width: 426, height: 240, videoBitrateKbps: 450, audioBitrateKbps: 64 },
  { name: 'low', width: 256, height: 144, videoBitrateKbps: 200, audioBitrateKbps: 48 },
];

async function within<T>(ms: number, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The encoder side of a ladder, as FMLE's multi-bitrate output does: one source, one ffmpeg, one RTMP
 * output per rendition, GOPs aligned (-g = -keyint_min, no scene-cut keyframes).
 */
function publishLadder(peers: Peers, server: string, streamKey: string, ladder = LADDER): ChildProcess {
  const split = ladder.map((_, i) => `[v${i}]`).join('');
  const scales = ladder.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`).join(';');
  const outputs = ladder.flatMap((r, i) => [
    '-map',
    `[o${i}]`,
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(GOP),
    '-keyint_min',
    String(GOP),
    '-sc_threshold',
    '0',
    '-b:v',
    `${r.videoBitrateKbps}k`,
    '-c:a',
    'aac',
    '-b:a',
    `${r.audioBitrateKbps}k`,
    '-f',
    'flv',
    `${server}/${streamKey}_${r.name}`,
  ]);
  return peers.spawn('ffmpeg', [
    '-v',
    'error',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-filter_complex',
    `[0:v]split=${ladder.length}${split};${scales}`,
    ...outputs,
  ]);
}

/** Publishes `name` with our client and returns the refusal's onStatus code and description. */
async function publishRefusal(rtmp: string, name: string): Promise<{ code: string; description: string }> {
  const client = new RtmpClient({ url: rtmp, timeoutMs: STEP_DEADLINE_MS });
  try {
    await client.connect();
    await client.publish(name);
  } catch (err) {
    const info = (err as { details?: { info?: { code?: unknown; description?: unknown } } }).details?.info;
    return {
      code: String(info?.code ?? (err as Error).message),
      description: String(info?.description ?? ''),
    };
  } finally {
    client.close();
  }
  throw new Error(`publish of ${name} was accepted`);
}

describe('encoder ladders through the edge', { timeout: 300_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let peers: Peers;
  let owner: TenantHandle;
  let stream: StreamHandle;
  let edge: EdgeHandle;
  let encoder: ChildProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-'));
    plane = await ControlPlane.start({ dir });
    owner = await plane.newTenant('Ladders');
    stream = await plane.newStream(owner, 'three renditions');
    const set = await plane.via(0)(
      'PATCH',
      `/v1/live-streams/${stream.id}`,
      { bearer: owner.key },
      { renditionSource: 'encoder', renditions: LADDER },
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    edge = await plane.startEdge({ name: 'ladder-edge' });
    peers = new Peers();
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg publishes three renditions to <key>_<rendition>; each plays as <playbackId>_<rendition>', async () => {
    encoder = publishLadder(peers, edge.rtmp, stream.streamKey);
    for (const r of LADDER) {
      const url = `${edge.rtmp}/${stream.playbackId}_${r.name}`;
      const probed = await within(STEP_DEADLINE_MS, `${r.name} plays`, async () => {
        const res = await peers.run('ffprobe', [
          '-v',
          'error',
          '-rw_timeout',
          '8000000',
          '-select_streams',
          'v:0',
          '-show_entries',
          'stream=codec_name,width,height',
          '-of',
          'json',
          url,
        ]);
        if (res.code !== 0) return undefined;
        return JSON.parse(res.stdout) as {
          streams: Array<{ codec_name: string; width: number; height: number }>;
        };
      });
      assert.deepEqual(probed.streams[0], { codec_name: 'h264', width: r.width, height: r.height }, r.name);
      const played = await peers.decodeFrames(url, GOP);
      assert.equal(played.frames, GOP, played.stderr);
    }
  });

  it('refuses an unknown rendition at publish with NetStream.Publish.BadName naming the ladder', async () => {
    const refused = await publishRefusal(edge.rtmp, `${stream.streamKey}_huge`);
    assert.equal(refused.code, StatusCode.PublishBadName, JSON.stringify(refused));
    assert.match(
      refused.description,
      /"huge" is not a rendition of this stream \(its renditions: high, mid, low\)/,
    );
    // A stream without a ladder refuses any rendition name the same way.
    const plain = await plane.newStream(owner, 'no ladder');
    const none = await publishRefusal(edge.rtmp, `${plain.streamKey}_high`);
    assert.equal(none.code, StatusCode.PublishBadName);
    assert.match(none.description, /no encoder ladder/);
  });
});
