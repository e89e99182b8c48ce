import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { type MediaMessage, type OnStatusInfo, StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { parseMultiBitrateSmil } from '@tributary/smil';
import { launchChromium } from '@tributary/test-kit';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { within } from './support/edge-process';
import {
  LAVFI_TEST_SOURCE,
  liveX264,
  onPlayStatus,
  probeVideo,
  sendPlay2,
  setLadder,
} from './support/ladder';
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

/**
 * The encoder side of a ladder, as FMLE's multi-bitrate output does: one source, one ffmpeg, one RTMP
 * output per rendition, GOPs aligned (-g = -keyint_min, no scene-cut keyframes).
 */
function publishLadder(
  peers: Peers,
  server: string,
  streamKey: string,
  ladder = LADDER,
  gops: readonly number[] = ladder.map(() => GOP),
): ChildProcess {
  const split = ladder.map((_, i) => `[v${i}]`).join('');
  const scales = ladder.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`).join(';');
  const outputs = ladder.flatMap((r, i) => [
    '-map',
    `[o${i}]`,
    '-map',
    '1:a',
    ...liveX264(gops[i]!),
    '-keyint_min',
    String(gops[i]),
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
    ...LAVFI_TEST_SOURCE,
    '-filter_complex',
    `[0:v]split=${ladder.length}${split};${scales}`,
    ...outputs,
  ]);
}

/** What the hls.js page keeps in its globals (the test compiles without the DOM types). */
interface PageGlobals {
  document: { getElementById(id: string): unknown };
  switches: number[];
  heights?: number[];
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

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-'));
    plane = await ControlPlane.start({ dir });
    owner = await plane.newTenant('Ladders');
    stream = await plane.newStream(owner, 'three renditions');
    await setLadder(plane, owner, stream.id, 'encoder', LADDER);
    edge = await plane.startEdge({ name: 'ladder-edge' });
    peers = new Peers();
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg publishes three renditions to <key>_<rendition>; each plays as <playbackId>_<rendition>', async () => {
    publishLadder(peers, edge.rtmp, stream.streamKey);
    for (const r of LADDER) {
      const url = `${edge.rtmp}/${stream.playbackId}_${r.name}`;
      const probed = await within(STEP_DEADLINE_MS, `${r.name} plays`, () => probeVideo(peers, url));
      assert.deepEqual(probed, { codec_name: 'h264', width: r.width, height: r.height }, r.name);
      const played = await peers.decodeFrames(url, GOP);
      assert.equal(played.frames, GOP, played.stderr);
    }
    // The api shows the stream live with each rendition's bitrate (the lead rendition's session reports them).
    const shown = await within(STEP_DEADLINE_MS, 'rendition bitrates in the api', async () => {
      const res = await plane.via(0)<{
        status: string;
        currentSession: { renditions?: Array<{ name: string; bitrateKbps: number; viewers: number }> } | null;
      }>('GET', `/v1/live-streams/${stream.id}`, { bearer: owner.key });
      const r = res.body.currentSession?.renditions ?? [];
      return res.body.status === 'active' && r.length === LADDER.length && r.every((x) => x.bitrateKbps > 0)
        ? r
        : undefined;
    });
    assert.deepEqual(
      shown.map((r) => r.name),
      LADDER.map((r) => r.name),
    );
  });

  it('serves /live/<playbackId>.smil as a <switch> of the live renditions that packages/smil parses, each playing from its base', async () => {
    const smilUrl = `${edge.http}${PlaybackHttpPaths.smil(stream.playbackId)}`;
    const text = await within(STEP_DEADLINE_MS, 'SMIL lists the ladder', async () => {
      const res = await fetch(smilUrl, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      return res.ok && body.includes('<switch>') && body.includes('avc1.') ? body : undefined;
    });
    const manifest = parseMultiBitrateSmil(text);
    assert.equal(manifest.base, edge.rtmp);
    assert.deepEqual(
      manifest.renditions.map((r) => [r.src, r.systemBitrate, r.width, r.height]),
      LADDER.map((r) => [
        `${stream.playbackId}_${r.name}`,
        (r.videoBitrateKbps + r.audioBitrateKbps) * 1000,
        r.width,
        r.height,
      ]),
    );
    for (const r of manifest.renditions) {
      assert.match(r.videoCodecId ?? '', /^avc1\.[0-9a-f]{6}$/);
      assert.equal(r.audioCodecId, 'mp4a.40.2');
      const played = await peers.decodeFrames(`${manifest.base}/${r.src}`, 10);
      assert.equal(played.frames, 10, `${r.src}: ${played.stderr}`);
    }
  });

  it('serves /live/<playbackId>/index.m3u8 as the multivariant playlist: one variant per rendition, each decodable', async () => {
    const url = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    const text = await res.text();
    const lines = text.split('\n').filter((l) => l !== '');
    assert.equal(lines[0], '#EXTM3U');
    const variants = lines.flatMap((l, i) =>
      l.startsWith('#EXT-X-STREAM-INF:') ? [{ inf: l, uri: lines[i + 1] ?? '' }] : [],
    );
    assert.equal(variants.length, LADDER.length, text);
    for (const [i, r] of LADDER.entries()) {
      const v = variants[i]!;
      assert.match(v.inf, new RegExp(`BANDWIDTH=${(r.videoBitrateKbps + r.audioBitrateKbps) * 1000}\\b`));
      assert.match(v.inf, new RegExp(`RESOLUTION=${r.width}x${r.height}\\b`));
      assert.match(v.inf, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
      assert.equal(v.uri, `../${stream.playbackId}_${r.name}/index.m3u8`);
      const media = new URL(v.uri, url).toString();
      const probed = await peers.run('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=codec_name,width,height',
        '-of',
        'json',
        media,
      ]);
      assert.equal(probed.code, 0, probed.stderr);
      const s = (JSON.parse(probed.stdout) as { streams: unknown[] }).streams[0];
      assert.deepEqual(s, { codec_name: 'h264', width: r.width, height: r.height }, media);
      const played = await peers.decodeFrames(media, 10);
      assert.equal(played.frames, 10, `${media}: ${played.stderr}`);
    }
    // The whole ladder through the multivariant playlist, as a player starts it (the first variant).
    const whole = await peers.decodeFrames(url, 10);
    assert.equal(whole.frames, 10, whole.stderr);
  });

  it('play2 switch high → low → high through the edge: Transition and TransitionComplete, each switch on a keyframe, timestamps monotonic without repeats', async () => {
    const client = new RtmpClient({ url: edge.rtmp, timeoutMs: STEP_DEADLINE_MS });
    const events: Array<
      { kind: 'media'; msg: MediaMessage } | { kind: 'status' | 'playStatus'; code: string }
    > = [];
    try {
      await client.connect();
      const ns = await client.createStream();
      ns.on('media', (msg: MediaMessage) => events.push({ kind: 'media', msg }));
      ns.on('status', (info: OnStatusInfo) => events.push({ kind: 'status', code: info.code }));
      onPlayStatus(ns, (code) => events.push({ kind: 'playStatus', code }));
      await client.play(`${stream.playbackId}_high`, { stream: ns });
      const videoCount = () => events.filter((e) => e.kind === 'media' && e.msg.typeId === 9).length;
      const completions = () =>
        events.filter((e) => e.kind === 'playStatus' && e.code === StatusCode.PlayTransitionComplete).length;
      await within(STEP_DEADLINE_MS, 'high plays', async () => (videoCount() > 30 ? true : undefined));
      const switchTo = async (to: string, from: string, n: number) => {
        sendPlay2(client, ns.messageStreamId, {
          streamName: to,
          oldStreamName: from,
          transition: 'switch',
          start: -2,
          len: -1,
        });
        await within(STEP_DEADLINE_MS, `switch to ${to} completes`, async () =>
          completions() >= n ? true : undefined,
        );
        const before = videoCount();
        await within(STEP_DEADLINE_MS, `${to} plays`, async () =>
          videoCount() > before + 30 ? true : undefined,
        );
      };
      await switchTo(`${stream.playbackId}_low`, `${stream.playbackId}_high`, 1);
      await switchTo(`${stream.playbackId}_high`, `${stream.playbackId}_low`, 2);
    } finally {
      client.close();
    }
    const transitions = events.filter((e) => e.kind === 'status' && e.code === StatusCode.PlayTransition);
    assert.equal(transitions.length, 2);
    // Video as played: strictly increasing timestamps (no gap back, no frame twice) across both switches.
    const video = events.flatMap((e) => (e.kind === 'media' && e.msg.typeId === 9 ? [e.msg] : []));
    const frames = video.filter((m) => m.payload[1] === 1);
    for (let i = 1; i < frames.length; i++)
      assert.ok(
        frames[i]!.timestamp > frames[i - 1]!.timestamp,
        `frame ${i}: ${frames[i - 1]!.timestamp} then ${frames[i]!.timestamp}`,
      );
    // After each TransitionComplete: the new rendition's sequence header, then a keyframe.
    const configs: Buffer[] = [];
    for (const [i, e] of events.entries()) {
      if (e.kind !== 'playStatus' || e.code !== StatusCode.PlayTransitionComplete) continue;
      const next = events
        .slice(i + 1)
        .flatMap((x) => (x.kind === 'media' && x.msg.typeId === 9 ? [x.msg] : []));
      assert.equal(next[0]?.payload[1], 0, 'a sequence header first');
      assert.equal(next[1]!.payload[0]! >> 4, 1, 'then a keyframe');
      configs.push(next[0]!.payload);
    }
    const first = video.find((m) => m.payload[1] === 0)!.payload;
    assert.notDeepEqual(configs[0], first, 'low has its own SPS');
    assert.deepEqual(configs[1], first, 'back on high');
  });

  it("one playback token of a signed stream plays every rendition (RTMP, HLS, HTTP-FLV, SMIL); another stream's token plays none", async () => {
    const signed = await plane.newStream(owner, 'signed ladder', 'signed');
    const two = LADDER.slice(1);
    await setLadder(plane, owner, signed.id, 'encoder', two);
    const mint = async (playbackId: string) => (await plane.mintPlaybackToken(owner, playbackId)).token;
    const token = await mint(signed.playbackId);
    const otherToken = await mint(stream.playbackId);
    publishLadder(peers, edge.rtmp, signed.streamKey, two);
    const low = `${signed.playbackId}_low`;
    await within(STEP_DEADLINE_MS, 'signed ladder live', async () => {
      const res = await fetch(
        `${edge.http}${PlaybackHttpPaths.hlsPlaylist(signed.playbackId)}?token=${token}`,
        {
          signal: AbortSignal.timeout(5000),
        },
      );
      const text = await res.text();
      return res.ok && text.includes(low) ? true : undefined;
    });
    // RTMP, with the token in the play name and with none or another stream's.
    const rtmp = await peers.decodeFrames(`${edge.rtmp}/${low}?token=${token}`, 10);
    assert.equal(rtmp.frames, 10, rtmp.stderr);
    assert.equal((await peers.decodeFrames(`${edge.rtmp}/${low}`, 1)).frames, 0);
    assert.equal((await peers.decodeFrames(`${edge.rtmp}/${low}?token=${otherToken}`, 1)).frames, 0);
    // HLS: the multivariant playlist carries the token onto each variant.
    const master = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(signed.playbackId)}?token=${token}`;
    const hls = await peers.decodeFrames(master, 10);
    assert.equal(hls.frames, 10, hls.stderr);
    assert.equal(
      (await fetch(`${edge.http}${PlaybackHttpPaths.hlsPlaylist(signed.playbackId)}`)).status,
      401,
    );
    const foreign = await fetch(`${edge.http}${PlaybackHttpPaths.hlsPlaylist(low)}?token=${otherToken}`);
    assert.ok(foreign.status === 401 || foreign.status === 403, String(foreign.status));
    // HTTP-FLV of one rendition.
    const flv = await peers.decodeFrames(`${edge.http}/live/${low}.flv?token=${token}`, 10);
    assert.equal(flv.frames, 10, flv.stderr);
    // SMIL: the token rides on <meta base>, which players connect to; each src then plays.
    const smil = await fetch(`${edge.http}${PlaybackHttpPaths.smil(signed.playbackId)}?token=${token}`);
    const manifest = parseMultiBitrateSmil(await smil.text());
    assert.equal(manifest.base, `${edge.rtmp}?token=${token}`);
    assert.deepEqual(
      manifest.renditions.map((r) => r.src),
      two.map((r) => `${signed.playbackId}_${r.name}`),
    );
    const client = new RtmpClient({ url: manifest.base!, timeoutMs: STEP_DEADLINE_MS });
    try {
      await client.connect();
      const ns = await client.createStream();
      let frames = 0;
      ns.on('media', (m: MediaMessage) => {
        if (m.typeId === 9) frames++;
      });
      await client.play(manifest.renditions[0]!.src, { stream: ns });
      await within(STEP_DEADLINE_MS, 'SMIL rendition plays', async () => (frames > 10 ? true : undefined));
    } finally {
      client.close();
    }
  });

  it('reports a rendition whose keyframes are not aligned, and a play2 switch to it still starts on its keyframe', async () => {
    const odd = await plane.newStream(owner, 'misaligned ladder');
    const two = [LADDER[0]!, LADDER[2]!];
    await setLadder(plane, owner, odd.id, 'encoder', two);
    const metric = () => edgeMetric(edge, 'tributary_edge_rendition_keyframes_misaligned_total');
    const before = await metric();
    // high: a keyframe a second; low: every 1.2 s (its keyframes meet high's only every 6 s).
    const encoder = publishLadder(peers, edge.rtmp, odd.streamKey, two, [GOP, 30]);
    await edge.proc.waitForLog(
      (l) =>
        String(l.msg).startsWith('rendition keyframes not aligned') &&
        (l as { rendition?: string }).rendition === 'low',
      'the misaligned rendition reported',
      STEP_DEADLINE_MS,
    );
    assert.ok((await metric()) > before);

    const client = new RtmpClient({ url: edge.rtmp, timeoutMs: STEP_DEADLINE_MS });
    const events: Array<{ kind: 'media'; msg: MediaMessage } | { kind: 'done' }> = [];
    try {
      await client.connect();
      const ns = await client.createStream();
      ns.on('media', (msg: MediaMessage) => events.push({ kind: 'media', msg }));
      onPlayStatus(ns, (code) => {
        if (code === StatusCode.PlayTransitionComplete) events.push({ kind: 'done' });
      });
      await client.play(`${odd.playbackId}_high`, { stream: ns });
      await within(STEP_DEADLINE_MS, 'high plays', async () => (events.length > 40 ? true : undefined));
      sendPlay2(client, ns.messageStreamId, {
        streamName: `${odd.playbackId}_low`,
        oldStreamName: `${odd.playbackId}_high`,
        transition: 'switch',
      });
      await within(STEP_DEADLINE_MS, 'switched to low', async () => {
        const at = events.findIndex((e) => e.kind === 'done');
        return at >= 0 && events.slice(at).filter((e) => e.kind === 'media' && e.msg.typeId === 9).length > 3
          ? true
          : undefined;
      });
    } finally {
      client.close();
      encoder.kill('SIGKILL');
    }
    const at = events.findIndex((e) => e.kind === 'done');
    const video = events
      .slice(at + 1)
      .flatMap((e) => (e.kind === 'media' && e.msg.typeId === 9 ? [e.msg] : []));
    assert.equal(video[0]?.payload[1], 0, "low's sequence header first");
    assert.equal(video[1]!.payload[0]! >> 4, 1, 'then its keyframe: never a broken picture');
    const frames = events.flatMap((e) =>
      e.kind === 'media' && e.msg.typeId === 9 && e.msg.payload[1] === 1 ? [e.msg.timestamp] : [],
    );
    for (let i = 1; i < frames.length; i++)
      assert.ok(frames[i]! > frames[i - 1]!, `${frames[i - 1]} then ${frames[i]}`);
  });

  it('hls.js in Chromium plays the multivariant playlist and switches level down when the test throttles its bandwidth', async () => {
    // The dashboard's hls.js (apps/dashboard depends on it): the player browsers get.
    const hlsJs = require.resolve('hls.js/dist/hls.min.js', {
      paths: [join(__dirname, '../../../dashboard')],
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${edge.http}/healthz`);
      await page.setContent('<video id="v" muted autoplay playsinline></video>');
      await page.addScriptTag({ path: hlsJs });
      const master = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
      await page.evaluate((url) => {
        const w = globalThis as unknown as PageGlobals & {
          Hls: new (
            config: object,
          ) => {
            loadSource(u: string): void;
            attachMedia(v: unknown): void;
            on(e: string, f: (e: string, d: { level: number }) => void): void;
            levels: { height: number }[];
          };
        };
        w.switches = [];
        // A generous first estimate, so it starts on the top level; one-second segments, so it notices quickly.
        const hls = new w.Hls({ abrEwmaDefaultEstimate: 5_000_000, lowLatencyMode: false });
        hls.on('hlsLevelSwitched', (_e, d) => w.switches.push(d.level));
        hls.on('hlsManifestParsed', () => {
          w.heights = hls.levels.map((l) => l.height);
        });
        hls.loadSource(url);
        hls.attachMedia(w.document.getElementById('v'));
      }, master);
      const state = () =>
        page.evaluate(() => {
          const w = globalThis as unknown as PageGlobals;
          const v = w.document.getElementById('v') as { currentTime: number };
          return { switches: w.switches, heights: w.heights ?? [], time: v.currentTime };
        });
      const top = await within(60_000, 'hls.js plays the top level', async () => {
        const s = await state();
        const topLevel = s.heights.indexOf(Math.max(...s.heights));
        return s.heights.length === LADDER.length && s.switches.at(-1) === topLevel && s.time > 1
          ? topLevel
          : undefined;
      });
      // About 300 kbit/s: below the top two renditions (1 Mbit/s, 514 kbit/s), above the lowest (248 kbit/s).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 40,
        downloadThroughput: 300_000 / 8,
        uploadThroughput: 1_000_000 / 8,
      });
      const down = await within(90_000, 'hls.js switches level down', async () => {
        const s = await state();
        const level = s.switches.at(-1);
        return level !== undefined && level !== top && (s.heights[level] ?? 0) < (s.heights[top] ?? 0)
          ? s
          : undefined;
      });
      assert.ok(down.heights[down.switches.at(-1)!]! < LADDER[0]!.height, JSON.stringify(down));
      const playedAt = down.time;
      await within(30_000, 'it keeps playing after the switch', async () =>
        (await state()).time > playedAt + 1 ? true : undefined,
      );
    } finally {
      await browser.close();
    }
  });

  it('another edge pulls a rendition from the ingest edge (relay) and plays it with the same token', async () => {
    const b = await plane.startEdge({ name: 'ladder-edge-b' });
    for (const r of [LADDER[2]!, LADDER[0]!]) {
      const url = `${b.rtmp}/${stream.playbackId}_${r.name}`;
      const probed = await within(STEP_DEADLINE_MS, `${r.name} plays on the second edge`, () =>
        probeVideo(peers, url, 'width,height'),
      );
      assert.deepEqual(probed, { width: r.width, height: r.height });
    }
    const flv = await peers.decodeFrames(`${b.http}/live/${stream.playbackId}_mid.flv`, 10);
    assert.equal(flv.frames, 10, flv.stderr);
    // Its manifests name the whole ladder, each rendition pulled when played.
    const c = await plane.startEdge({ name: 'ladder-edge-c' });
    const smil = parseMultiBitrateSmil(
      await (await fetch(`${c.http}${PlaybackHttpPaths.smil(stream.playbackId)}`)).text(),
    );
    assert.deepEqual(
      smil.renditions.map((r) => r.src),
      LADDER.map((r) => `${stream.playbackId}_${r.name}`),
    );
    const master = `${c.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    const text = await (await fetch(master, { signal: AbortSignal.timeout(10_000) })).text();
    assert.equal(text.match(/#EXT-X-STREAM-INF:/g)?.length, LADDER.length, text);
    const hls = await peers.decodeFrames(master, 10);
    assert.equal(hls.frames, 10, hls.stderr);
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
