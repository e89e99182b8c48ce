#!/usr/bin/env node
// `npm run bench:vod-rtmp` (apps/edge): on-demand RTMP viewers beside live ones, on one edge (issue 12).
//
//   npm run bench:vod-rtmp -- [--viewers 1000 | --vod-viewers 1000] [--assets 10] [--seconds 20] [--clip-seconds 60]
//                             [--buffer-ms 3000] [--seek-every 8] [--tick-ms N] [--work DIR]
//
// A real api and a real edge process (test/support/control-plane; the edge's CPU and RSS are its own,
// /proc/<pid>). An ffmpeg MP4 (640x360, 25 fps, ~500 kb/s H.264 + 64 kb/s AAC, a keyframe every 2 s) is
// uploaded --assets times (separate assets: separate indexes and cache blocks). Three phases, each
// measured over --seconds after its viewers are in and settled:
//   - idle: the edge alone (the baseline every figure is taken beyond);
//   - live: ffmpeg publishes the same clip in a real-time loop, N rtmp-core RtmpClient viewers play it;
//   - vod: N RtmpClient viewers play the assets (spread evenly) at rtmp://edge/vod/mp4:<id> from a
//     random start, with SetBufferLength --buffer-ms, each seeking to a random time about every
//     --seek-every seconds (exponential gaps), and playing again from a random start at the end.
// Per phase: edge CPU (ms per viewer-second) and RSS (KiB per viewer) beyond idle, and what the viewers
// received (against the clip's rate). For vod, bytes sent ahead of the playhead: each viewer's playhead is
// its first frame's time after the play or seek plus the wall time since it arrived; what it holds past
// that is what the edge sent ahead (it should stay near the buffer plus the edge's margin).
// Viewers run in this process; at 1,000 viewers it decodes ~70 MB/s of RTMP, so the received ratio says
// whether the bench, not the edge, was the limit. Each run writes a new folder, never overwriting one:
// bench/results/<ISO time>-vod-rtmp/summary.{json,md}.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MessageType } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import {
  failer,
  readCpu,
  readRss,
  resultsDir,
  round,
  singleNumber,
  sleep,
  writeResults,
} from './lib/bench-kit.mjs';
import { edgeDir } from './lib/paths.mjs';

// `npm run bench -- …` hands its arguments to the last script of its chain, whichever that is: options
// that are not ours are ignored, and a --viewers list meant for run-bench.mjs (0,1,100,…) counts only as a
// single number; --vod-viewers wins.
const { values: opt } = parseArgs({
  strict: false,
  options: {
    viewers: { type: 'string' },
    'vod-viewers': { type: 'string' },
    assets: { type: 'string', default: '10' },
    seconds: { type: 'string' },
    'clip-seconds': { type: 'string', default: '60' },
    'buffer-ms': { type: 'string', default: '3000' },
    'seek-every': { type: 'string', default: '8' },
    /** The edge's VOD_RTMP_TICK_MS (unset: its default). */
    'tick-ms': { type: 'string' },
    work: { type: 'string' },
  },
});
const fail = failer('vod-rtmp-bench');
const VIEWERS = Number(singleNumber(opt['vod-viewers']) ?? singleNumber(opt.viewers) ?? '1000');
const ASSETS = Number(opt.assets);
const SECONDS = Number(singleNumber(opt.seconds) ?? '20');
const CLIP_SECONDS = Number(opt['clip-seconds']);
const BUFFER_MS = Number(opt['buffer-ms']);
const SEEK_EVERY_S = Number(opt['seek-every']);
if (!Number.isInteger(VIEWERS) || VIEWERS < 1) fail('--viewers must be a whole number ≥ 1');
if (!Number.isInteger(ASSETS) || ASSETS < 1) fail('--assets must be a whole number ≥ 1');
if (!(SECONDS >= 2)) fail('--seconds must be at least 2');
if (!(CLIP_SECONDS >= 10)) fail('--clip-seconds must be at least 10');
if (!existsSync(join(edgeDir, 'dist/test/support/control-plane.js'))) fail('build first: npm run build');
const { ControlPlane } = await import(join(edgeDir, 'dist/test/support/control-plane.js'));

/** Viewers connect at most this many at once, over at most 10 s. */
const CONNECTS_IN_FLIGHT = 50;
const SETTLE_MS = 4000;
/** How often each vod viewer's bytes ahead are sampled. */
const SAMPLE_MS = 500;
const outDir = resultsDir('vod-rtmp', fail);

const work = opt.work ?? mkdtempSync(join(tmpdir(), 'tributary-vod-rtmp-bench-'));
mkdirSync(work, { recursive: true });
const mp4 = join(work, 'vod-rtmp-bench.mp4');
if (!existsSync(mp4)) {
  const made = spawnSync('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', String(CLIP_SECONDS), '-c:v', 'libx264'],
    ...['-preset', 'veryfast', '-g', '50', '-b:v', '500k', '-maxrate', '600k', '-bufsize', '1M'],
    ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', mp4],
  ]);
  if (made.status !== 0) fail(`ffmpeg: ${made.stderr}`);
}
const fileBytes = statSync(mp4).size;
/** Media payload bytes per second a full-rate viewer receives (the file's bytes over its length, near enough). */
const clipBytesPerSecond = fileBytes / CLIP_SECONDS;

const quantile = (values, q) => {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))];
};
const log = (msg) => console.log(`[vod-rtmp-bench] ${msg}`);
/** Edge CPU (cores) and RSS over a window, and the viewers' received bytes in it. */
async function measure(pid, viewers) {
  const bytes0 = viewers.reduce((n, v) => n + v.bytes, 0);
  const perViewer0 = viewers.map((v) => v.bytes);
  const cpu0 = readCpu(pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = (readCpu(pid) - cpu0) / elapsed;
  const received = viewers.reduce((n, v) => n + v.bytes, 0) - bytes0;
  const ratios = viewers.map((v, i) => (v.bytes - (perViewer0[i] ?? 0)) / elapsed / clipBytesPerSecond);
  return { cpu, rss: readRss(pid), elapsed, received, ratios };
}

/** Starts `count` viewers made by `make(i)`, at most CONNECTS_IN_FLIGHT connecting at once. */
async function startViewers(count, make) {
  const viewers = [];
  let next = 0;
  let failed = 0;
  const spacing = Math.min(10_000 / count, 20);
  await Promise.all(
    Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        try {
          viewers.push(await make(i));
        } catch (err) {
          failed++;
          if (failed <= 3) log(`viewer ${i} failed: ${err.message}`);
        }
        await sleep(spacing);
      }
    }),
  );
  return { viewers, failed };
}

/** A live viewer: plays the stream, counts media payload bytes. */
async function liveViewer(url, playbackId) {
  const client = new RtmpClient({ url, timeoutMs: 20_000 });
  await client.connect();
  const stream = await client.createStream();
  const v = { client, bytes: 0 };
  stream.on('media', (m) => {
    v.bytes += m.payload.length;
  });
  await client.play(playbackId, { stream });
  return v;
}

/**
 * An on-demand viewer: plays an asset from a random start with a buffer, seeks now and then, plays
 * again from a random start when the file ends. Keeps what it received past its playhead (ts, bytes).
 */
async function vodViewer(url, playbackId, durationMs) {
  const client = new RtmpClient({ url, timeoutMs: 20_000 });
  await client.connect();
  const stream = await client.createStream();
  const v = {
    client,
    bytes: 0,
    seeks: 0,
    replays: 0,
    held: [],
    heldBytes: 0,
    anchor: null,
    maxTs: 0,
    closed: false,
  };
  const randomStart = () => Math.floor(Math.random() * Math.max(1, durationMs - 5000));
  stream.on('media', (m) => {
    v.bytes += m.payload.length;
    if (v.anchor === null) v.anchor = { ts: m.timestamp, at: performance.now() };
    if (m.typeId === MessageType.Video || m.typeId === MessageType.Audio) {
      v.held.push([m.timestamp, m.payload.length]);
      v.heldBytes += m.payload.length;
      if (m.timestamp > v.maxTs) v.maxTs = m.timestamp;
    }
  });
  const restart = () => {
    v.held = [];
    v.heldBytes = 0;
    v.anchor = null;
    v.maxTs = 0;
  };
  stream.on('status', (info) => {
    if (info.code === 'NetStream.Seek.Notify') restart();
    if (info.code === 'NetStream.Play.Stop' && !v.closed) {
      restart();
      v.replays++;
      client.play(`mp4:${playbackId}`, { stream, start: randomStart() }).catch(() => undefined);
    }
  });
  client.on('close', () => {
    v.closed = true;
  });
  stream.setBufferLength(BUFFER_MS);
  await client.play(`mp4:${playbackId}`, { stream, start: randomStart() });
  const seekLater = () => {
    if (v.closed) return;
    const gap = -Math.log(1 - Math.random()) * SEEK_EVERY_S * 1000;
    v.seekTimer = setTimeout(() => {
      if (v.closed) return;
      v.seeks++;
      stream.seek(randomStart());
      seekLater();
    }, gap);
  };
  seekLater();
  return v;
}

/** Bytes and ms each vod viewer holds past its playhead, now. */
function aheadNow(v) {
  if (v.anchor === null) return null;
  const playhead = v.anchor.ts + (performance.now() - v.anchor.at);
  while (v.held.length > 0 && v.held[0][0] <= playhead) {
    v.heldBytes -= v.held[0][1];
    v.held.shift();
  }
  return { bytes: v.heldBytes, ms: Math.max(0, v.maxTs - playhead) };
}

const plane = await ControlPlane.start({ dir: work });
const results = {
  node: process.version,
  viewers: VIEWERS,
  assets: ASSETS,
  seconds: SECONDS,
  bufferMs: BUFFER_MS,
  seekEverySeconds: SEEK_EVERY_S,
  tickMs: opt['tick-ms'] ? Number(opt['tick-ms']) : 'edge default (100)',
  clip: `${CLIP_SECONDS} s 640x360 25 fps H.264 ~500 kb/s + AAC 64 kb/s, keyframe every 2 s`,
  fileBytes,
  clipKbps: round((clipBytesPerSecond * 8) / 1000),
  phases: {},
};
let publisher;
const clients = [];
try {
  const tenant = await plane.newTenant('bench');
  const edge = await plane.startEdge({
    name: 'vod-rtmp-bench',
    env: {
      // info: the harness waits for 'edge ready'
      STATS_INTERVAL_SECONDS: '10',
      MAX_CONNECTIONS_PER_IP: '100000',
      MAX_CONNECTIONS: String(VIEWERS * 2 + 100),
      MAX_VIEWERS_PER_STREAM: String(VIEWERS * 2),
      ...(opt['tick-ms'] ? { VOD_RTMP_TICK_MS: opt['tick-ms'] } : {}),
    },
  });
  const pid = edge.proc.child.pid;
  const vodUrl = edge.rtmp.replace(/\/live$/, '/vod');
  const assets = [];
  for (let i = 0; i < ASSETS; i++) {
    const res = await plane.postAsset(tenant, readFileSync(mp4), `bench-${i}.mp4`);
    if (res.status !== 201) fail(`upload: ${res.status} ${JSON.stringify(res.body)}`);
    assets.push(res.body);
  }
  for (const a of assets) {
    const got = await plane.settledAsset(tenant, a.id, { timeoutMs: 120_000 });
    if (got.status !== 'ready') fail(`asset: ${JSON.stringify(got)}`);
    a.durationMs = got.durationMs;
  }
  log(`${ASSETS} assets ready (${fileBytes} bytes each); edge pid ${pid}`);

  // idle
  await sleep(1000);
  const idle = await measure(pid, []);
  results.phases.idle = { cpuCores: round(idle.cpu, 3), rssMiB: round(idle.rss / 1048576, 1) };
  log(`idle: ${round(idle.cpu * 100)} % of a core, RSS ${results.phases.idle.rssMiB} MiB`);

  const phase = (name, m, started, extra = {}) => {
    const beyond = Math.max(0, m.cpu - idle.cpu);
    const n = started.viewers.length;
    const ratios = m.ratios;
    const row = {
      viewers: n,
      failedToStart: started.failed,
      cpuCores: round(m.cpu, 3),
      msPerViewerSecond: n ? round((beyond * 1000) / n, 3) : null,
      rssMiB: round(m.rss / 1048576, 1),
      rssKiBPerViewer: n ? round((m.rss - idle.rss) / 1024 / n, 1) : null,
      receivedMbps: round((m.received * 8) / m.elapsed / 1e6),
      receivedRatio: { p5: round(quantile(ratios, 0.05) ?? 0, 2), p50: round(quantile(ratios, 0.5) ?? 0, 2) },
      ...extra,
    };
    results.phases[name] = row;
    log(
      `${name} x${n}: ${round(m.cpu * 100)} % of a core, ${row.msPerViewerSecond} ms CPU per viewer-second, RSS ${row.rssMiB} MiB (${row.rssKiBPerViewer} KiB per viewer), received ratio p5 ${row.receivedRatio.p5}`,
    );
  };

  // live
  const stream = await plane.newStream(tenant, 'bench-live');
  publisher = spawn('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-re', '-stream_loop', '-1', '-i', mp4, '-c', 'copy'],
    ...['-f', 'flv', `${edge.rtmp}/${stream.streamKey}`],
  ]);
  await sleep(3000);
  const live = await startViewers(VIEWERS, () => liveViewer(edge.rtmp, stream.playbackId));
  clients.push(...live.viewers);
  await sleep(SETTLE_MS);
  phase('live', await measure(pid, live.viewers), live);
  for (const v of live.viewers) v.client.close();
  publisher.kill('SIGTERM');
  publisher = undefined;
  await sleep(3000);

  // vod
  const vod = await startViewers(VIEWERS, (i) => {
    const a = assets[i % ASSETS];
    return vodViewer(vodUrl, a.playbackId, a.durationMs);
  });
  clients.push(...vod.viewers);
  await sleep(SETTLE_MS);
  const aheadBytes = [];
  const aheadMs = [];
  const sampler = setInterval(() => {
    for (const v of vod.viewers) {
      const a = aheadNow(v);
      if (a === null || v.closed) continue;
      aheadBytes.push(a.bytes);
      aheadMs.push(a.ms);
    }
  }, SAMPLE_MS);
  const seeks0 = vod.viewers.reduce((n, v) => n + v.seeks, 0);
  const m = await measure(pid, vod.viewers);
  clearInterval(sampler);
  const seeks = vod.viewers.reduce((n, v) => n + v.seeks, 0) - seeks0;
  const closed = vod.viewers.filter((v) => v.closed).length;
  phase('vod', m, vod, {
    seeksPerSecond: round(seeks / m.elapsed),
    closedDuringWindow: closed,
    aheadKiB: {
      p50: round((quantile(aheadBytes, 0.5) ?? 0) / 1024),
      p95: round((quantile(aheadBytes, 0.95) ?? 0) / 1024),
      max: round(Math.max(0, ...aheadBytes) / 1024),
    },
    aheadMs: {
      p50: round(quantile(aheadMs, 0.5) ?? 0, 0),
      p95: round(quantile(aheadMs, 0.95) ?? 0, 0),
      max: round(Math.max(0, ...aheadMs), 0),
    },
    bufferPlusMarginKiB: round((((BUFFER_MS + 500) / 1000) * clipBytesPerSecond) / 1024),
  });
  const metrics = await (await fetch(`${edge.http}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
  // The block cache is shared by every viewer of every asset (bounded by VOD_CACHE_BYTES): apart from it,
  // what a viewer costs.
  const cached = metric('tributary_edge_vod_cache_bytes');
  results.phases.vod.rssKiBPerViewerBeyondCache = round(
    (m.rss - idle.rss - cached) / 1024 / vod.viewers.length,
    1,
  );
  results.edgeMetrics = {
    vodRtmpViewers: metric('tributary_edge_vod_rtmp_viewers'),
    vodRtmpSentBytes: metric('tributary_edge_vod_rtmp_sent_bytes_total'),
    apiReadBytes: metric('tributary_edge_vod_api_read_bytes_total'),
    cacheBytes: metric('tributary_edge_vod_cache_bytes'),
  };
  for (const v of vod.viewers) {
    v.closed = true;
    clearTimeout(v.seekTimer);
  }
} finally {
  for (const v of clients) v.client.close();
  publisher?.kill('SIGTERM');
  await plane.stop();
  if (!opt.work) rmSync(work, { recursive: true, force: true });
}

const p = results.phases;
const row = (name, x) =>
  x
    ? `| ${name} | ${x.viewers} | ${x.cpuCores} | ${x.msPerViewerSecond} | ${x.rssMiB} | ${x.rssKiBPerViewer} | ${x.receivedMbps} | ${x.receivedRatio.p5} / ${x.receivedRatio.p50} |`
    : `| ${name} | not run | | | | | | |`;
const md = `# On-demand RTMP beside live, one edge (${VIEWERS} viewers, ${ASSETS} assets)

Clip: ${results.clip}, ${fileBytes} bytes (${results.clipKbps} kbit/s). Node ${results.node}. Window ${SECONDS} s per phase. VOD_RTMP_TICK_MS: ${results.tickMs}.
Idle edge: ${p.idle?.cpuCores} cores, RSS ${p.idle?.rssMiB} MiB; per-viewer figures are beyond it.

| phase | viewers | edge CPU (cores) | ms CPU per viewer-second | RSS MiB | KiB RSS per viewer | received Mb/s | received/clip rate p5 / p50 |
|---|---|---|---|---|---|---|---|
${row('live (one stream)', p.live)}
${row(`vod (${ASSETS} assets, random seeks)`, p.vod)}

On demand, RSS per viewer beyond the shared block cache: ${p.vod?.rssKiBPerViewerBeyondCache} KiB. Buffer ${BUFFER_MS} ms (SetBufferLength), a seek per viewer about every ${SEEK_EVERY_S} s (${p.vod?.seeksPerSecond} seeks/s in all); ${p.vod?.closedDuringWindow ?? 0} viewers closed during the window.

| sent ahead of the playhead | p50 | p95 | max |
|---|---|---|---|
| KiB | ${p.vod?.aheadKiB.p50} | ${p.vod?.aheadKiB.p95} | ${p.vod?.aheadKiB.max} |
| ms | ${p.vod?.aheadMs.p50} | ${p.vod?.aheadMs.p95} | ${p.vod?.aheadMs.max} |

Buffer plus the edge's margin (500 ms) at the clip's average rate: ${p.vod?.bufferPlusMarginKiB} KiB. Edge: ${results.edgeMetrics?.vodRtmpSentBytes} media bytes sent on demand, ${results.edgeMetrics?.apiReadBytes} bytes read from the api (${ASSETS} files of ${fileBytes}), ${results.edgeMetrics?.cacheBytes} bytes of blocks cached.
`;
writeResults(outDir, 'summary', results, md);
console.log(md);
console.log(`results: ${outDir}`);
