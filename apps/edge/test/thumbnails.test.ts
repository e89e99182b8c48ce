import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorEnvelopeSchema, PlaybackHttpPaths } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { run, tempDir, waitUntil } from '@tributary/test-kit';
import { FrameGrabBusy, FrameGrabber, FrameGrabFailed, isJpeg } from '../src/thumbnails/frame-grabber';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { Peers } from './support/peers';

/**
 * Thumbnails (issue 15) through real processes: a real api, real edges, ffmpeg publishing, ffprobe
 * reading the JPEGs. `/live/<id>/thumbnail.jpg` is the stream's latest keyframe, refreshed, authorised like
 * playback; `/vod/<id>/poster.jpg` an asset's picture at 10 %. A decoder that hangs is killed at its
 * timeout, the pool stays bounded, and the edge keeps serving.
 */
const WIDTH = 160;
const peers = new Peers();
const logger = createLogger({ name: 'thumbnails-test', level: 'silent' });

/** What ffprobe reads from a JPEG: codec, width, height. */
async function probeJpeg(
  dir: string,
  jpeg: Buffer,
): Promise<{ codec: string; width: number; height: number }> {
  const file = join(dir, `probe-${Date.now()}-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(file, jpeg);
  const res = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', file],
  ]);
  assert.equal(res.code, 0, res.stderr);
  const [codec, width, height] = res.stdout.trim().split(',');
  return { codec: codec ?? '', width: Number(width), height: Number(height) };
}

/** A stand-in ffmpeg that never answers: it notes its pid in `dir` and sleeps. */
function hangingDecoder(dir: string): string {
  const path = join(dir, 'hanging-ffmpeg.sh');
  writeFileSync(path, `#!/bin/sh\necho $$ > "${dir}/pid-$$"\nexec sleep 120\n`);
  chmodSync(path, 0o755);
  return path;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pids = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('pid-'))
    .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()));

describe('live thumbnails and asset posters from the edge', () => {
  const dir = tempDir('tributary-thumbnails-');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edge: EdgeHandle;
  let open: StreamHandle;
  let signed: StreamHandle;
  let idle: StreamHandle;
  let clip: string;

  const thumb = (playbackId: string, query = '', on = edge) =>
    fetch(`${on.http}/live/${playbackId}/thumbnail.jpg${query}`, { signal: AbortSignal.timeout(15_000) });
  const mint = async (playbackId: string) => (await plane.mintPlaybackToken(tenant, playbackId)).token;
  const liveOn = (on: EdgeHandle, playbackId: string) =>
    waitUntil(async () => (await fetch(`${on.http}${PlaybackHttpPaths.hlsPlaylist(playbackId)}`)).ok, {
      timeoutMs: 20_000,
      stepMs: 200,
      what: `${playbackId} live on ${on.name}`,
    });

  before(async () => {
    clip = join(dir.path, 'clip.flv');
    await peers.makeClip(clip, 4, 'testsrc');
    plane = await ControlPlane.start({ dir: dir.path });
    tenant = await plane.newTenant('Thumbnails');
    edge = await plane.startEdge({
      name: 'thumbs',
      env: { THUMBNAIL_WIDTH: String(WIDTH), THUMBNAIL_REFRESH_SECONDS: '1' },
    });
    open = await plane.newStream(tenant, 'open');
    signed = await plane.newStream(tenant, 'signed', 'signed');
    idle = await plane.newStream(tenant, 'idle');
    peers.publish(clip, `${edge.rtmp}/${open.streamKey}`);
    peers.publish(clip, `${edge.rtmp}/${signed.streamKey}`);
    await liveOn(edge, open.playbackId);
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    await dir.remove();
  });

  it("serves a live stream's current picture as a JPEG ffprobe reads, scaled to THUMBNAIL_WIDTH", async () => {
    const res = await thumb(open.playbackId);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=5');
    const jpeg = Buffer.from(await res.arrayBuffer());
    assert.ok(isJpeg(jpeg));
    const probed = await probeJpeg(dir.path, jpeg);
    assert.equal(probed.codec, 'mjpeg');
    assert.equal(probed.width, WIDTH);
    assert.equal(probed.height, (WIDTH * 240) / 320, 'the 320x240 source keeps its aspect');
  });

  it('refreshes the picture as the stream moves on (a later keyframe, a different picture)', async () => {
    const first = Buffer.from(await (await thumb(open.playbackId)).arrayBuffer());
    let later = first;
    await waitUntil(
      async () => {
        later = Buffer.from(await (await thumb(open.playbackId)).arrayBuffer());
        return !later.equals(first);
      },
      { timeoutMs: 15_000, stepMs: 500, what: 'a newer thumbnail' },
    );
    assert.ok(isJpeg(later));
    assert.equal((await probeJpeg(dir.path, later)).width, WIDTH);
  });

  it('answers 404 for an idle stream and for names that are no stream', async () => {
    for (const id of [idle.playbackId, 'nosuchstream']) {
      const res = await thumb(id);
      assert.equal(res.status, 404, id);
      ErrorEnvelopeSchema.parse(await res.json());
    }
    assert.equal((await fetch(`${edge.http}/live/${open.playbackId}/thumbnail.png`)).status, 404);
  });

  it("a signed stream's picture needs its playback token, as playback does", async () => {
    const token = await mint(signed.playbackId);
    await waitUntil(async () => (await thumb(signed.playbackId, `?token=${token}`)).status === 200, {
      timeoutMs: 20_000,
      stepMs: 200,
      what: 'the signed stream live',
    });
    const bare = await thumb(signed.playbackId);
    assert.ok(bare.status === 401 || bare.status === 403, String(bare.status));
    ErrorEnvelopeSchema.parse(await bare.json());
    const forged = await thumb(signed.playbackId, '?token=not.a.jwt');
    assert.ok(forged.status === 401 || forged.status === 403, String(forged.status));
    const res = await thumb(signed.playbackId, `?token=${token}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'private, max-age=5');
    assert.equal((await probeJpeg(dir.path, Buffer.from(await res.arrayBuffer()))).codec, 'mjpeg');
  });

  it('a stream live on another edge has its picture on this one too (pulled, as for playback)', async () => {
    const other = await plane.startEdge({ name: 'thumbs-2', env: { THUMBNAIL_WIDTH: String(WIDTH) } });
    const res = await thumb(open.playbackId, '', other);
    assert.equal(res.status, 200);
    assert.equal((await probeJpeg(dir.path, Buffer.from(await res.arrayBuffer()))).width, WIDTH);
  });

  it('an asset has a poster (its picture at 10 %), public or with a token when signed', async () => {
    const mp4 = join(dir.path, 'talk.mp4');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'],
      ...['-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', mp4],
    ]);
    assert.equal(made.code, 0, made.stderr);
    for (const policy of ['public', 'signed'] as const) {
      const asset = (await plane.readyAsset(tenant, mp4, {
        filename: 'talk.mp4',
        playbackPolicy: policy,
      })) as {
        playbackId: string;
      };
      const url = `${edge.http}/vod/${asset.playbackId}/poster.jpg`;
      if (policy === 'signed') {
        const bare = await fetch(url);
        assert.ok(bare.status === 401 || bare.status === 403, String(bare.status));
      }
      const query = policy === 'signed' ? `?token=${await mint(asset.playbackId)}` : '';
      const res = await fetch(`${url}${query}`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      const probed = await probeJpeg(dir.path, Buffer.from(await res.arrayBuffer()));
      assert.deepEqual(probed, { codec: 'mjpeg', width: WIDTH, height: (WIDTH * 240) / 320 });
    }
    assert.equal((await fetch(`${edge.http}/vod/nosuchasset/poster.jpg`)).status, 404);
  });

  it('a decoder that hangs is killed at THUMBNAIL_TIMEOUT_MS; the request gets 503 and the edge keeps serving', async () => {
    const hangDir = join(dir.path, 'hang-edge');
    mkdirSync(hangDir);
    const hung = await plane.startEdge({
      name: 'thumbs-hung',
      env: {
        THUMBNAIL_FFMPEG_PATH: hangingDecoder(hangDir),
        THUMBNAIL_TIMEOUT_MS: '800',
        THUMBNAIL_DECODERS: '1',
        THUMBNAIL_QUEUE: '1',
      },
    });
    const started = Date.now();
    // A flood of requests for one stream shares one decode.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => thumb(open.playbackId, '', hung).then((r) => r.status)),
    );
    const took = Date.now() - started;
    assert.deepEqual(new Set(answers), new Set([503]));
    assert.ok(took < 10_000, `answered in ${took} ms`);
    assert.ok(pids(hangDir).length >= 1, 'the stand-in decoder ran');
    await waitUntil(() => pids(hangDir).every((pid) => !alive(pid)), {
      timeoutMs: 5000,
      what: 'the hung decoder killed',
    });
    // Playback on that edge is untouched.
    const playlist = await fetch(`${hung.http}${PlaybackHttpPaths.hlsPlaylist(open.playbackId)}`);
    assert.equal(playlist.status, 200);
    assert.equal((await fetch(`${hung.http}/healthz`)).status, 200);
    assert.ok((await edgeMetric(hung, 'tributary_edge_thumbnail_timeouts_total')) >= 1);
    assert.equal(await edgeMetric(hung, 'tributary_edge_thumbnail_decoders_active'), 0);
  });
});

describe('FrameGrabber: the bounded decoder pool', () => {
  const dir = tempDir('tributary-grabber-');
  after(() => dir.remove());

  it('runs at most `decoders` ffmpeg at once, queues `maxQueued`, refuses more at once, kills at the timeout', async () => {
    const grabber = new FrameGrabber({
      ffmpegPath: hangingDecoder(dir.path),
      decoders: 1,
      maxQueued: 1,
      timeoutMs: 700,
      maxBytes: 64 * 1024,
      maxWidth: 160,
      logger,
    });
    const started = Date.now();
    const first = grabber.grab(Buffer.alloc(100), 'flv');
    const second = grabber.grab(Buffer.alloc(100), 'flv');
    await assert.rejects(grabber.grab(Buffer.alloc(100), 'flv'), FrameGrabBusy);
    assert.equal(grabber.active, 1);
    await waitUntil(() => pids(dir.path).length === 1, { timeoutMs: 3000, what: 'the first decoder' });
    await assert.rejects(first, FrameGrabFailed);
    assert.ok(Date.now() - started >= 600, 'not before its timeout');
    // The queued one only starts once the first is gone: never two at once.
    assert.ok(!alive(pids(dir.path)[0] as number));
    await assert.rejects(second, FrameGrabFailed);
    const all = pids(dir.path);
    assert.equal(all.length, 2);
    assert.ok(
      all.every((pid) => !alive(pid)),
      'every decoder killed',
    );
    assert.equal(grabber.active, 0);
    assert.deepEqual(
      { timeouts: grabber.stats.timeouts, busy: grabber.stats.busy, failures: grabber.stats.failures },
      { timeouts: 2, busy: 1, failures: 2 },
    );
  });

  it('never runs more than `decoders` at once, even with new requests arriving as decodes end', async () => {
    const spans = join(dir.path, 'spans');
    mkdirSync(spans);
    const script = join(dir.path, 'short-ffmpeg.sh');
    // A decoder that takes 100 ms and fails: it notes when it ran.
    writeFileSync(
      script,
      `#!/bin/sh\ns=$(date +%s%N)\nsleep 0.1\necho "$s $(date +%s%N)" > "${spans}/$$"\nexit 1\n`,
    );
    chmodSync(script, 0o755);
    const grabber = new FrameGrabber({
      ffmpegPath: script,
      decoders: 2,
      maxQueued: 100,
      timeoutMs: 5000,
      maxBytes: 1024,
      maxWidth: 160,
      logger,
    });
    let extra = 0;
    const grabs: Promise<unknown>[] = [];
    const one = (): Promise<unknown> =>
      grabber.grab(Buffer.alloc(10), 'flv').catch((err) => {
        assert.ok(err instanceof FrameGrabFailed);
        // A new request in the very turn a decoder's slot is handed on.
        if (extra++ < 6) grabs.push(one());
      });
    for (let i = 0; i < 8; i++) grabs.push(one());
    while (grabs.length < 14) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < grabs.length; i++) await grabs[i];
    assert.equal(grabber.active, 0);
    const ran = readdirSync(spans).map((f) =>
      readFileSync(join(spans, f), 'utf8').trim().split(' ').map(BigInt),
    );
    assert.equal(ran.length, 14);
    let most = 0;
    for (const [start] of ran) {
      const at = start as bigint;
      most = Math.max(most, ran.filter(([s, e]) => (s as bigint) <= at && at < (e as bigint)).length);
    }
    assert.ok(most <= 2, `${most} decoders at once`);
  });

  it('refuses garbage input with a clear failure (real ffmpeg), and a missing binary without crashing', async () => {
    const real = new FrameGrabber({
      ffmpegPath: 'ffmpeg',
      decoders: 1,
      maxQueued: 4,
      timeoutMs: 5000,
      maxBytes: 64 * 1024,
      maxWidth: 160,
      logger,
    });
    await assert.rejects(real.grab(Buffer.from('FLV not really'), 'flv'), FrameGrabFailed);
    const missing = new FrameGrabber({
      ffmpegPath: join(dir.path, 'no-such-ffmpeg'),
      decoders: 1,
      maxQueued: 4,
      timeoutMs: 5000,
      maxBytes: 64 * 1024,
      maxWidth: 160,
      logger,
    });
    assert.ok(!existsSync(join(dir.path, 'no-such-ffmpeg')));
    await assert.rejects(missing.grab(Buffer.alloc(10), 'flv'), FrameGrabFailed);
  });

  it('a picture over maxBytes is refused', async () => {
    const clip = join(dir.path, 'big.ts');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=25'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mpegts', clip],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const opts = { ffmpegPath: 'ffmpeg', decoders: 1, maxQueued: 1, timeoutMs: 5000, maxWidth: 640, logger };
    const ok = await new FrameGrabber({ ...opts, maxBytes: 1024 * 1024 }).grab(readFileSync(clip), 'mpegts');
    assert.ok(isJpeg(ok));
    await assert.rejects(
      new FrameGrabber({ ...opts, maxBytes: Math.floor(ok.length / 2) }).grab(readFileSync(clip), 'mpegts'),
      FrameGrabFailed,
    );
  });
});
