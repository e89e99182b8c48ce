import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Asset, AssetSchema } from '@tributary/contracts';
import {
  type AmfObject,
  MessageType,
  metadataObject,
  type OnStatusInfo,
  type RtmpClientStream,
} from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { run, tempDir, waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * On-demand RTMP (issue 12) through real processes: 20 s MP4 (H.264/AAC) and FLV (H.264/MP3) files
 * ffmpeg made are uploaded to a real api and played from a real edge at rtmp://<edge>/vod/<id> by ffmpeg
 * (every frame, the file's duration; -ss seeking), rtmpdump (-A 10 -B 14) and our client (seek lands on
 * a keyframe with nothing stale after Seek.Notify, pause sends nothing, the buffer bounds what is sent
 * ahead, Play.Complete at the end), with refusals and hostile command storms.
 */

const CLIP_SECONDS = 20;
const FPS = 25;
/** A keyframe every 2 s: seeks land visibly before the time asked. */
const GOP = 50;
const peers = new Peers();
/** Bound on a peer run: the clip plays in real time (20 s) plus its buffer. */
const PEER_DEADLINE_MS = 60_000;
const WAIT_MS = 15_000;

interface Seen {
  statuses: string[];
  media: { type: number; ts: number; key: boolean; bytes: number; at: number }[];
  /** Index in `media` at which each status arrived. */
  statusAt: { code: string; media: number }[];
  metadata: AmfObject | null;
  playStatus: string[];
  controls: string[];
  bytes: number;
}

function watch(stream: RtmpClientStream): Seen {
  const seen: Seen = {
    statuses: [],
    media: [],
    statusAt: [],
    metadata: null,
    playStatus: [],
    controls: [],
    bytes: 0,
  };
  stream.on('status', (i: OnStatusInfo) => {
    seen.statuses.push(i.code);
    seen.statusAt.push({ code: i.code, media: seen.media.length });
  });
  stream.on('metadata', (meta) => {
    seen.metadata = meta;
  });
  stream.on('data', (m) => {
    if (m.name === 'onMetaData') seen.metadata = metadataObject(m.values[0] ?? null) ?? null;
    if (m.name === 'onPlayStatus') seen.playStatus.push(String(metadataObject(m.values[0] ?? null)?.code));
  });
  stream.on('control', (e) => seen.controls.push(e.type));
  stream.on('media', (m) => {
    const video = m.typeId === MessageType.Video;
    seen.bytes += m.payload.length;
    seen.media.push({
      type: m.typeId,
      ts: m.timestamp,
      // A coded frame (AVC packet type 1) that is a keyframe; sequence headers are not frames.
      key: video && (m.payload[0] as number) >> 4 === 1 && m.payload[1] === 1,
      bytes: m.payload.length,
      at: Date.now(),
    });
  });
  return seen;
}

async function until(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  await waitUntil(async () => condition(), { timeoutMs, what });
}

const probe = (file: string, entries: string): Promise<string> =>
  peers.probeCsv(file, entries, PEER_DEADLINE_MS);

const frameMd5s = (file: string): Promise<string[]> => peers.frameMd5s(file, PEER_DEADLINE_MS);

/** The status code a refused play was answered with. */
async function refusal(play: Promise<unknown>): Promise<{ code: string; description: string }> {
  try {
    await play;
  } catch (err) {
    const info = (err as { details?: { info?: { code?: string; description?: string } } }).details?.info;
    return { code: String(info?.code), description: String(info?.description) };
  }
  throw new Error('the play was not refused');
}

/** Video packet pts (s) of a file, in order. */
async function videoPts(file: string): Promise<number[]> {
  const out = await probe(file, '-select_streams v -show_entries packet=pts_time');
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

describe('on-demand assets over RTMP', () => {
  const dir = tempDir('tributary-vod-rtmp-');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edge: EdgeHandle;
  let mp4: string;
  let flv: string;
  let open: Asset;
  let openFlv: Asset;
  let signed: Asset;
  let vodUrl: string;
  const clients: RtmpClient[] = [];

  async function upload(policy: 'public' | 'signed', file: string): Promise<Asset> {
    const filename = file.endsWith('.flv') ? 'clip.flv' : 'clip.mp4';
    return AssetSchema.parse(await plane.readyAsset(tenant, file, { filename, playbackPolicy: policy }));
  }

  async function viewer(
    name: string,
    opts: { start?: number; duration?: number; bufferMs?: number; url?: string } = {},
  ): Promise<{ client: RtmpClient; stream: RtmpClientStream; seen: Seen }> {
    const client = new RtmpClient({ url: opts.url ?? vodUrl, timeoutMs: 10_000 });
    clients.push(client);
    await client.connect();
    const stream = await client.createStream();
    const seen = watch(stream);
    if (opts.bufferMs !== undefined) stream.setBufferLength(opts.bufferMs);
    await client.play(name, { start: opts.start, duration: opts.duration, stream });
    return { client, stream, seen };
  }

  /** The file's keyframe times (s), from ffprobe. */
  let keyframes: number[] = [];
  /** The md5 of each decoded frame of the file. */
  let sourceFrames: string[] = [];

  before(async () => {
    mp4 = join(dir.path, 'clip.mp4');
    flv = join(dir.path, 'clip.flv');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(GOP)],
      ...['-keyint_min', String(GOP), '-sc_threshold', '0', '-bf', '0'],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const toFlv = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-i', mp4, '-c:v', 'copy'],
      ...['-c:a', 'libmp3lame', '-ar', '44100', '-b:a', '128k', flv],
    ]);
    assert.equal(toFlv.code, 0, toFlv.stderr);
    const packets = await probe(mp4, '-select_streams v -show_entries packet=pts_time,flags');
    keyframes = packets
      .split('\n')
      .filter((l) => l.includes(',K'))
      .map((l) => Number(l.split(',')[0]));
    sourceFrames = await frameMd5s(mp4);
    plane = await ControlPlane.start({ dir: dir.path });
    tenant = await plane.newTenant('On demand RTMP');
    edge = await plane.startEdge({
      name: 'vod-rtmp',
      env: { VOD_CACHE_BYTES: String(8 * 1024 * 1024), RTMP_COMMAND_BURST: '200' },
    });
    vodUrl = edge.rtmp.replace(/\/live$/, '/vod');
    [open, openFlv, signed] = await Promise.all([
      upload('public', mp4),
      upload('public', flv),
      upload('signed', mp4),
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await plane?.stop();
    await dir.remove();
  });

  it('the asset names its RTMP URL; getStreamLength answers its length; ffmpeg plays the MP4 and the FLV over RTMP, every frame, the whole duration', async () => {
    assert.equal(open.playback?.rtmp, `${vodUrl}/${open.playbackId}`);
    const { client } = await viewer(open.playbackId, { duration: 0 });
    const length = await client.getStreamLength(`mp4:${open.playbackId}`);
    assert.ok(Math.abs(length - CLIP_SECONDS) < 0.2, `getStreamLength ${length} s`);
    assert.equal(await client.getStreamLength('nosuchasset'), 0);
    client.close();

    const fileFrames = CLIP_SECONDS * FPS;
    const started = Date.now();
    const plays = [
      { name: `mp4:${open.playbackId}`, out: join(dir.path, 'played-mp4.mkv'), audio: 'aac' },
      { name: `flv:${openFlv.playbackId}`, out: join(dir.path, 'played-flv.mkv'), audio: 'mp3' },
    ];
    await Promise.all(
      plays.map(async (p) => {
        const res = await withDeadline(
          peers.run('ffmpeg', [
            ...['-nostdin', '-v', 'error', '-y', '-i', `${vodUrl}/${p.name}`],
            ...['-c', 'copy', p.out],
          ]),
          `ffmpeg playing ${p.name}`,
          PEER_DEADLINE_MS,
        );
        assert.equal(res.code, 0, res.stderr);
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    // Paced: a 20 s file takes about 20 s less the buffer sent ahead, not the time a download takes.
    assert.ok(elapsed > CLIP_SECONDS - 5, `played in ${elapsed} s`);
    for (const p of plays) {
      const frames = Number(
        await probe(p.out, '-count_frames -select_streams v -show_entries stream=nb_read_frames'),
      );
      assert.equal(frames, fileFrames, `${p.name}: every frame decodes`);
      const duration = Number(await probe(p.out, '-show_entries format=duration'));
      assert.ok(Math.abs(duration - CLIP_SECONDS) < 0.3, `${p.name}: ${duration} s`);
      assert.equal(await probe(p.out, '-select_streams a -show_entries stream=codec_name'), p.audio);
      const decoded = await withDeadline(
        peers.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', p.out, '-f', 'null', '-']),
        'decoding',
        PEER_DEADLINE_MS,
      );
      assert.equal(decoded.stderr.trim(), '', `${p.name}: no decode errors`);
    }
  });

  it('rtmpdump -A 10 -B 14 gets the frames from 10 s to 14 s (the keyframe at 10 s first)', async () => {
    const out = join(dir.path, 'dumped.flv');
    const res = await withDeadline(
      peers.run('rtmpdump', [
        '-q',
        '-r',
        `${vodUrl}/mp4:${open.playbackId}`,
        '-A',
        '10',
        '-B',
        '14',
        '-o',
        out,
      ]),
      'rtmpdump',
      PEER_DEADLINE_MS,
    );
    assert.ok(res.code === 0 || res.code === 2, `rtmpdump exit ${res.code}: ${res.stderr}`);
    const pts = await videoPts(out);
    // rtmpdump writes its -A offset onto the server's (file) timestamps: the span is what is checked.
    const span = (pts.at(-1) as number) - (pts[0] as number);
    assert.ok(Math.abs(span - (4 - 1 / FPS)) < 0.01, `${pts.length} frames over ${span} s`);
    assert.equal(pts.length, 4 * FPS);
    // Frame for frame the file's frames of 10 s to 14 s (testsrc draws each one differently).
    const frames = await frameMd5s(out);
    assert.deepEqual(frames, sourceFrames.slice(10 * FPS, 14 * FPS));
  });

  it('ffmpeg -ss 13 on the RTMP URL starts at the keyframe at or before 13 s (12 s)', async () => {
    const out = join(dir.path, 'seeked.flv');
    const res = await withDeadline(
      peers.run('ffmpeg', [
        ...['-nostdin', '-v', 'error', '-y', '-ss', '13', '-i', `${vodUrl}/${open.playbackId}`],
        ...['-frames:v', String(3 * FPS), '-c', 'copy', '-copyts', out],
      ]),
      'ffmpeg -ss',
      PEER_DEADLINE_MS,
    );
    assert.equal(res.code, 0, res.stderr);
    const pts = await videoPts(out);
    const landing = Math.max(...keyframes.filter((k) => k <= 13));
    assert.equal(landing, 12);
    assert.ok(Math.abs((pts[0] as number) - landing) < 0.002, `first video at ${pts[0]} s`);
    const frames = await frameMd5s(out);
    assert.deepEqual(frames, sourceFrames.slice(landing * FPS, landing * FPS + 3 * FPS));
  });

  it("over RTMPT (the edge's HTTP port) too: ffmpeg -ss 4 gets the file's frames from the 4 s keyframe", async () => {
    const out = join(dir.path, 'tunnelled.flv');
    const url = `${edge.http.replace(/^http:/, 'rtmpt:')}/vod/mp4:${open.playbackId}`;
    const res = await withDeadline(
      peers.run('ffmpeg', [
        ...['-nostdin', '-v', 'error', '-y', '-ss', '4', '-i', url],
        ...['-frames:v', String(2 * FPS), '-c', 'copy', '-copyts', out],
      ]),
      'ffmpeg over rtmpt',
      PEER_DEADLINE_MS,
    );
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await frameMd5s(out), sourceFrames.slice(4 * FPS, 6 * FPS));
  });

  it('our client: onMetaData carries duration, size, codecs and the keyframe index; a seek lands on the keyframe at or before the time, nothing stale after Seek.Notify', async () => {
    const { stream, seen } = await viewer(`${open.playbackId}.mp4`, { bufferMs: 2000 });
    await until('onMetaData and media', () => seen.metadata !== null && seen.media.length > 50);
    const meta = seen.metadata as AmfObject;
    assert.ok(Math.abs((meta.duration as number) - CLIP_SECONDS) < 0.2);
    assert.equal(meta.width, 320);
    assert.equal(meta.height, 240);
    assert.equal(meta.videocodecid, 7);
    assert.equal(meta.audiocodecid, 10);
    assert.equal(meta.filesize, open.sizeBytes);
    const index = metadataObject(meta.keyframes ?? null) as { times: number[]; filepositions: number[] };
    assert.deepEqual(
      index.times.map((t) => Math.round(t * 1000)),
      keyframes.map((t) => Math.round(t * 1000)),
    );
    assert.equal(index.filepositions.length, index.times.length);
    assert.ok(seen.controls.includes('StreamIsRecorded'));

    for (const target of [15_500, 3_000, 9_999]) {
      stream.seek(target);
      await until(
        `the seek to ${target}`,
        () => seen.statusAt.filter((s) => s.code === 'NetStream.Seek.Notify').length > 0,
      );
      const notify = seen.statusAt.filter((s) => s.code === 'NetStream.Seek.Notify').at(-1) as {
        media: number;
      };
      await until('frames after the seek', () => seen.media.length > notify.media + 20);
      const after = seen.media.slice(notify.media).filter((m) => m.bytes > 5 || m.type !== MessageType.Video);
      const firstFrame = after.find((m) => m.type === MessageType.Video && m.ts !== undefined && m.bytes > 0);
      const landing = Math.max(...keyframes.filter((k) => k * 1000 <= target)) * 1000;
      const frames = seen.media.slice(notify.media);
      // The first coded video frame after Seek.Notify is the keyframe at or before the target.
      const firstCoded = frames.find((m) => m.type === MessageType.Video && m.bytes > 60);
      assert.ok(firstFrame !== undefined && firstCoded !== undefined);
      assert.ok(firstCoded.key, 'a keyframe first');
      assert.ok(Math.abs(firstCoded.ts - landing) <= 1, `landed at ${firstCoded.ts}, keyframe ${landing}`);
      const stale = frames.filter((m) => m.ts < landing - 1);
      assert.deepEqual(stale, [], 'no frame older than the landing keyframe after Seek.Notify');
      seen.statusAt.length = 0;
    }
  });

  it('our client: pause sends nothing while paused; unpause resumes; bytes ahead stay near the buffer length', async () => {
    const bufferMs = 2000;
    const { stream, seen } = await viewer(open.playbackId, { bufferMs });
    await until('the first frames', () => seen.media.length > 0);
    const t0 = (seen.media[0] as { at: number }).at;
    const ts0 = (seen.media[0] as { ts: number }).ts;
    await new Promise((r) => setTimeout(r, 4000));
    const ahead = Math.max(...seen.media.map((m) => m.ts)) - ts0 - (Date.now() - t0);
    // Buffer 2 s + margin 0.5 s, within a tick and the network's jitter.
    assert.ok(ahead <= bufferMs + 500 + 300, `${ahead} ms sent ahead of the playhead`);
    assert.ok(ahead >= bufferMs - 300, `only ${ahead} ms sent ahead`);

    const lastTs = Math.max(...seen.media.map((m) => m.ts));
    stream.pause(true, lastTs - ahead);
    await until('Pause.Notify', () => seen.statuses.includes('NetStream.Pause.Notify'));
    await new Promise((r) => setTimeout(r, 300));
    const before = seen.bytes;
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(seen.bytes - before, 0, 'no bytes while paused');
    stream.pause(false, lastTs - ahead);
    await until('Unpause.Notify', () => seen.statuses.includes('NetStream.Unpause.Notify'));
    await until('media again', () => seen.bytes > before);
    const resumed = seen.media.find((m) => m.bytes > 0 && m.at > Date.now() - 1000);
    assert.ok(resumed !== undefined && resumed.ts >= lastTs - 50, 'resumes where it stopped');
  });

  it('Play.Complete, StreamEOF and Play.Stop at the end of the file', async () => {
    const { seen } = await viewer(open.playbackId, { start: 17_000, bufferMs: 1000 });
    await until('the end', () => seen.statuses.includes('NetStream.Play.Stop'), 20_000);
    assert.ok(seen.playStatus.includes('NetStream.Play.Complete'));
    assert.ok(seen.controls.includes('StreamEOF'));
    const last = Math.max(...seen.media.map((m) => m.ts));
    assert.ok(last > (CLIP_SECONDS - 0.2) * 1000, `last frame at ${last} ms`);
    assert.ok(Math.min(...seen.media.map((m) => m.ts)) >= 16_000 - 1);
  });

  it('refuses a signed asset without a token (and plays it with one), an errored asset, a garbage name, an unknown id', async () => {
    const none = await refusal(viewer(signed.playbackId));
    assert.equal(none.code, 'NetStream.Play.Failed');
    assert.match(none.description, /token/);
    const token = await plane.mintPlaybackToken(tenant, signed.playbackId, { ttlSeconds: 600 });
    assert.equal(
      token.playback.rtmp,
      `${vodUrl}/${signed.playbackId}?token=${encodeURIComponent(token.token)}`,
    );
    const withToken = await viewer(`${signed.playbackId}?token=${encodeURIComponent(token.token)}`);
    await until('media of the signed asset', () => withToken.seen.media.length > 10);
    // The token in the connect URL's query works too (librtmp-style players).
    const inConnect = await viewer(`mp4:${signed.playbackId}`, {
      url: `${vodUrl}?token=${encodeURIComponent(token.token)}`,
    });
    await until('media (token on connect)', () => inConnect.seen.media.length > 10);
    // An upload the indexer refused (errored) is not playable, with HLS's description.
    const res = await plane.postAsset(tenant, Buffer.alloc(4096, 7), 'garbage.mp4');
    assert.equal(res.status, 201);
    const garbage = AssetSchema.parse(res.body);
    assert.equal(AssetSchema.parse(await plane.settledAsset(tenant, garbage.id)).status, 'errored');
    const errored = await refusal(viewer(`mp4:${garbage.playbackId}`));
    assert.equal(errored.code, 'NetStream.Play.StreamNotFound');
    assert.equal(errored.description, 'This asset cannot be played.');
    for (const name of ['../../etc/passwd', 'mp4:nosuchasset', 'x'.repeat(500), 'mp4:']) {
      const refused = await refusal(viewer(name));
      assert.equal(refused.code, 'NetStream.Play.StreamNotFound', name);
      assert.equal(refused.description, 'No asset has this name.');
    }
  });

  it('hostile: seek storms, a huge len, negative and NaN starts, thousands of pauses; the edge serves on', async () => {
    // A storm inside the command burst: answered, and the last seek wins.
    const storm = await viewer(open.playbackId);
    for (let i = 0; i < 150; i++) storm.stream.seek((i * 997) % 19_000);
    storm.stream.seek(18_500);
    await until(
      'the storm answered',
      () => storm.seen.statuses.filter((s) => s === 'NetStream.Seek.Notify').length === 151,
    );
    const lastNotify = storm.seen.statusAt.filter((s) => s.code === 'NetStream.Seek.Notify').at(-1) as {
      media: number;
    };
    await until('frames after the storm', () => storm.seen.media.length > lastNotify.media + 5);
    const landing = Math.max(...keyframes.filter((k) => k * 1000 <= 18_500)) * 1000;
    assert.ok(
      storm.seen.media.slice(lastNotify.media).every((m) => m.ts >= landing - 1),
      'nothing stale',
    );

    // Past the command rate: the connection is closed, nothing more.
    const flood = await viewer(open.playbackId);
    const closed = new Promise<void>((resolve) => flood.client.once('close', () => resolve()));
    for (let i = 0; i < 2000; i++) flood.stream.pause(i % 2 === 0, i);
    await withDeadline(closed, 'the pause flood closed', WAIT_MS);
    const seeks = await viewer(open.playbackId);
    const seekClosed = new Promise<void>((resolve) => seeks.client.once('close', () => resolve()));
    for (let i = 0; i < 2000; i++) seeks.stream.seek(Number.NaN);
    await withDeadline(seekClosed, 'the seek flood closed', WAIT_MS);

    // A huge len plays to the end of the file like -1; negative and NaN starts play from the start.
    for (const [start, duration] of [
      [0, 1e15],
      [-5000, -1],
      [Number.NaN, Number.NaN],
      [1e15, -1],
    ] as const) {
      const v = await viewer(open.playbackId, { start, duration });
      await until(
        `frames of start ${start} len ${duration}`,
        () => v.seen.media.length > 3 || v.seen.statuses.includes('NetStream.Play.Stop'),
      );
      const first = v.seen.media.find((m) => m.type === MessageType.Video && m.bytes > 60);
      if (start === 1e15)
        assert.ok(first === undefined || first.ts >= (keyframes.at(-1) as number) * 1000 - 1);
      else assert.equal(first?.ts, 0, `start ${start} plays from the start`);
      v.client.close();
    }

    // The edge is fine: a new viewer plays.
    const fresh = await viewer(`flv:${openFlv.playbackId}`);
    await until('a fresh viewer plays', () => fresh.seen.media.length > 20);
    const metrics = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(metrics, /^tributary_edge_vod_rtmp_plays_total\{result="ok"\} [1-9]/m);
    assert.match(metrics, /^tributary_edge_vod_rtmp_sent_bytes_total [1-9]/m);
  });
});
