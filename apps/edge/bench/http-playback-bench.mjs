#!/usr/bin/env node
// `npm run bench:http` (apps/edge; also the second half of `npm run bench`): browser playback from the edge.
//
//   npm run bench:http -- [--viewers 500] [--seconds 20] [--clip FILE]
//
// 1. CPU per viewer: the edge runs as its own process; an in-process load generator opens N HLS viewers
//    (each with its own token, reloading the playlist every target duration and fetching each new
//    segment once, as hls.js does) and then N HTTP-FLV viewers (reading the stream). Edge CPU comes from
//    /proc/<pid>/stat over the window, minus the same window with the publisher alone.
// 2. Latency with an in-band clock: the publisher (rtmp-core's RtmpClient, in this process) writes its
//    wall clock into every video frame as an H.264 SEI user_data_unregistered message (ITU-T H.264
//    D.1.7, ignored by decoders) just before sending it. One player per protocol finds each clock in the
//    bytes it receives (FLV tags, MPEG-TS segments, LL-HLS fMP4 parts): latency = arrival − send, for
//    the same frame. This is publisher-to-player-buffer latency; a player adds its hold-back on top
//    (hls.js: 3 segments for HLS, PART-HOLD-BACK for LL-HLS; mpegts.js: ~0.5 s).
// 3. RTMP viewers of the same edge and publisher (the shared harness's play client, in this process), so
//    HTTP-FLV's CPU per viewer is compared with RTMP's in the same run.
// A CPU figure counts only when every viewer received the full stream in the window (at least 95 % of
// the payload bytes the publisher sent; HLS: less the two segments a poller may lag by); otherwise the
// row says the run is invalid and why, and gives no per-viewer figure.
// Requires a build (npm run build) and ffmpeg. Each run writes a new folder, never overwriting one:
// bench/results/<ISO time>-http/http-playback.{json,md}.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { FlvTagType, parseFlv } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { SignJWT } from 'jose';
import { startBenchEdge } from './bench-edge.mjs';
import {
  argvOptions,
  failer,
  liveBenchSetup,
  mib,
  pct,
  readCpu,
  readRss,
  round,
  sleep,
  writeResults,
} from './lib/bench-kit.mjs';
import { edgeDir, harnessDir } from './lib/paths.mjs';

const option = argvOptions();
const fail = failer('bench');
const VIEWERS = Number(option('--viewers', '500'));
const SECONDS = Number(option('--seconds', '20'));
/** Viewers are started over this long, so 500 first requests do not land in one tick. */
const RAMP_MS = 5000;
/** Seconds of latency samples per protocol (after the first, GOP-cache-fed seconds are skipped). */
const LATENCY_SECONDS = 12;
const LATENCY_SKIP_MS = 4000;
const TARGET_DURATION_MS = 2000;
/** 16 bytes naming our SEI payload (no zero byte, so no emulation prevention is ever needed). */
const CLOCK_UUID = Buffer.from('7472696275746172792d636c6f636b21', 'hex');
const CLOCK_DIGITS = 13;

const { clip, outDir } = liveBenchSetup('http', option, fail);
mkdirSync(outDir, { recursive: true });
const { RtmpPlayer, parseRtmpUrl } = await import(join(harnessDir, 'lib/rtmp-player.mjs'));

const { FakeControlPlane } = await import(join(edgeDir, 'dist/test/support/fake-control-plane.js'));
const signing = generateKeyPairSync('ed25519');
const jwk = signing.publicKey.export({ format: 'jwk' });
/** One token per viewer (a jti makes each unique), as a customer's backend mints them. */
const token = (sub) =>
  new SignJWT({
    aud: PLAYBACK_TOKEN_AUDIENCE,
    sub,
    jti: randomUUID(),
    exp: Math.floor(Date.now() / 1000) + 3600,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'bench-1' })
    .sign(signing.privateKey);

const results = { viewers: VIEWERS, seconds: SECONDS, clip, node: process.version, cpu: {}, latency: {} };
const cleanups = [];
process.on('SIGINT', () => void runCleanups().then(() => process.exit(130)));

try {
  // Edge A: MPEG-TS HLS (2 s segments) and HTTP-FLV.
  const a = await startEdge({ HLS_TARGET_DURATION_MS: String(TARGET_DURATION_MS) });
  const baseline = await measure(a.edge.pid, SECONDS, a.publisher);
  results.cpu.baseline = baseline;
  log(`publisher only: ${pct(baseline.cpu)} of a core, RSS ${mib(baseline.rss)}`);

  const hls = await underLoad(a, (stop, counter) => hlsViewer(a.httpUrl, stop, undefined, counter), {
    // a poller fetches a segment once it is listed: it may be up to two segments behind at either end
    fullRate: 0.95 * ((SECONDS * 1000 - 2 * TARGET_DURATION_MS) / (SECONDS * 1000)),
  });
  results.cpu.hls = perViewer(hls, baseline);
  log(
    `HLS x${VIEWERS}: ${pct(hls.cpu)} of a core, ${results.cpu.hls.msPerViewerSecond} ms CPU per viewer-second, RSS ${mib(hls.rss)}, viewers seen ${hls.viewers}`,
  );
  await sleep(3000);
  const flv = await underLoad(a, (stop, counter) => flvViewer(a.httpUrl, stop, undefined, counter));
  results.cpu.flv = perViewer(flv, baseline);
  log(
    `HTTP-FLV x${VIEWERS}: ${pct(flv.cpu)} of a core, ${results.cpu.flv.msPerViewerSecond} ms CPU per viewer-second, RSS ${mib(flv.rss)}, viewers seen ${flv.viewers}`,
  );
  await sleep(3000);
  const rtmp = await underLoad(a, (stop, counter) => rtmpViewer(a.rtmpUrl, stop, counter));
  results.cpu.rtmp = perViewer(rtmp, baseline);
  log(
    `RTMP x${VIEWERS}: ${pct(rtmp.cpu)} of a core, ${results.cpu.rtmp.msPerViewerSecond} ms CPU per viewer-second, RSS ${mib(rtmp.rss)}, viewers seen ${rtmp.viewers}`,
  );
  if (results.cpu.flv.valid && results.cpu.rtmp.valid)
    results.cpu.flvToRtmp = round(results.cpu.flv.msPerViewerSecond / results.cpu.rtmp.msPerViewerSecond, 2);

  results.latency.hls = await latency('HLS (MPEG-TS, 2 s segments)', (sink, stop) =>
    hlsViewer(a.httpUrl, stop, sink),
  );
  results.latency.flv = await latency('HTTP-FLV', (sink, stop) => flvViewer(a.httpUrl, stop, sink));
  await a.stop();

  // Edge B: LL-HLS in fMP4 (2 s segments, 500 ms parts), players following preload hints.
  const b = await startEdge({
    HLS_TARGET_DURATION_MS: String(TARGET_DURATION_MS),
    HLS_FORMAT: 'fmp4',
    HLS_LOW_LATENCY: 'true',
    HLS_PART_TARGET_MS: '500',
  });
  results.latency.llhls = await latency('LL-HLS (fMP4, 500 ms parts)', (sink, stop) =>
    llHlsViewer(b.httpUrl, stop, sink),
  );
  await b.stop();
} finally {
  await runCleanups();
}

writeResults(outDir, 'http-playback', results, report(results));
process.stdout.write(report(results));

// --- edge, publisher and measurement -------------------------------------------------------------

async function startEdge(env) {
  const api = new FakeControlPlane();
  api.allow('benchkey', { playbackId: 'bench', playbackPolicy: 'signed', cacheTtlSeconds: 30 });
  api.playbackKeys = [{ kid: 'bench-1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }];
  const apiUrl = await api.start();
  const { edge, rtmpPort, httpUrl } = await startBenchEdge(apiUrl, api.credential, env);
  let publisher;
  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      publisher?.stop();
      if (edge.exitCode === null && edge.signalCode === null) {
        const exited = new Promise((r) => edge.once('exit', r));
        edge.kill('SIGTERM');
        await exited;
      }
      await api.stop();
    })());
  cleanups.push(stop);
  publisher = await publishWithClock(`rtmp://127.0.0.1:${rtmpPort}/live`, 'benchkey');
  await sleep(3000);
  return { edge, httpUrl, rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live/bench`, publisher, stop };
}

/** An SEI NAL unit (type 6) with one user_data_unregistered message carrying `ms` as ASCII digits. */
function clockSei(ms) {
  const body = Buffer.concat([CLOCK_UUID, Buffer.from(String(ms).padStart(CLOCK_DIGITS, '0'), 'latin1')]);
  return Buffer.concat([Buffer.from([0x06, 0x05, body.length]), body, Buffer.from([0x80])]);
}

/** Every clock in `bytes` (send times in ms). */
function clocksIn(bytes) {
  const found = [];
  for (let at = bytes.indexOf(CLOCK_UUID); at >= 0; at = bytes.indexOf(CLOCK_UUID, at + 1)) {
    const digits = bytes.toString('latin1', at + 16, at + 16 + CLOCK_DIGITS);
    if (/^\d{13}$/.test(digits)) found.push(Number(digits));
  }
  return found;
}

/**
 * Publishes the clip in a real-time loop with rtmp-core's client: FLV tags with continuous timestamps,
 * and the wall clock as an SEI NAL unit prepended to every coded AVC frame (4-byte NAL lengths, ffmpeg's).
 */
async function publishWithClock(url, key) {
  const tags = parseFlv(readFileSync(clip)).filter((t) => t.type !== FlvTagType.ScriptData);
  const span = tags.at(-1).timestampMs - tags[0].timestampMs + 33;
  const client = new RtmpClient({ url });
  await client.connect();
  const stream = await client.publish(key);
  const started = Date.now();
  let stopped = false;
  let sentPayloadBytes = 0;
  let loop = 0;
  let i = 0;
  const step = () => {
    while (!stopped) {
      const tag = tags[i];
      const ts = loop * span + tag.timestampMs - tags[0].timestampMs;
      const wait = started + ts - Date.now();
      if (wait > 0) {
        setTimeout(step, wait);
        return;
      }
      const first = tag.payload[0];
      const codedAvc = tag.type === FlvTagType.Video && (first & 0x0f) === 7 && tag.payload[1] === 1;
      if (tag.type === FlvTagType.Video && !codedAvc && loop > 0) {
        // Sequence headers repeat only at the start: the decoder configuration does not change.
      } else {
        let payload = tag.payload;
        if (codedAvc) {
          const sei = clockSei(Date.now());
          const length = Buffer.alloc(4);
          length.writeUInt32BE(sei.length);
          payload = Buffer.concat([payload.subarray(0, 5), length, sei, payload.subarray(5)]);
        }
        stream.sendMedia({ typeId: tag.type, timestamp: ts, payload });
        sentPayloadBytes += payload.length;
      }
      i += 1;
      if (i === tags.length) {
        i = 0;
        loop += 1;
      }
    }
  };
  step();
  return {
    /** Audio and video payload bytes sent so far (what a full-rate viewer must receive, at least). */
    get sentPayloadBytes() {
      return sentPayloadBytes;
    },
    stop() {
      stopped = true;
      client.close();
    },
  };
}

async function measure(pid, seconds, publisher, counters = []) {
  const cpu0 = readCpu(pid);
  const sent0 = publisher.sentPayloadBytes;
  const got0 = counters.map((c) => c.bytes);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = (readCpu(pid) - cpu0) / ((performance.now() - t0) / 1000);
  const published = publisher.sentPayloadBytes - sent0;
  const received = counters.map((c, i) => c.bytes - got0[i]);
  return { cpu, rss: readRss(pid), published, received };
}

/**
 * Starts VIEWERS viewers over RAMP_MS, lets them settle, measures, stops them. The measurement counts
 * only if every viewer received at least `fullRate` of the payload bytes published in the window.
 */
async function underLoad(edge, startViewer, { fullRate = 0.95 } = {}) {
  const stop = { stopped: false };
  const viewers = [];
  const counters = [];
  for (let n = 0; n < VIEWERS; n++) {
    const counter = { bytes: 0 };
    counters.push(counter);
    viewers.push(startViewer(stop, counter).catch((err) => ({ error: String(err) })));
    await sleep(RAMP_MS / VIEWERS);
  }
  await sleep(TARGET_DURATION_MS * 2);
  const seen = await viewerGauge(edge.httpUrl);
  const m = await measure(edge.edge.pid, SECONDS, edge.publisher, counters);
  stop.stopped = true;
  const outcomes = await Promise.all(viewers);
  const failed = outcomes.filter((o) => o?.error);
  if (failed.length > 0) log(`${failed.length} viewers failed, first: ${failed[0].error}`);
  const errors = failed.length;
  const ratios = m.received.map((b) => b / Math.max(1, m.published)).sort((x, y) => x - y);
  const belowFullRate = ratios.filter((r) => r < fullRate).length;
  const { received: _received, ...rest } = m;
  return {
    ...rest,
    viewers: seen,
    errors,
    fullRate: round(fullRate, 3),
    belowFullRate,
    receivedRatioMin: round(ratios[0] ?? 0, 3),
    receivedRatioP50: round(ratios[Math.floor(ratios.length / 2)] ?? 0, 3),
  };
}

function perViewer(load, baseline) {
  const extra = Math.max(0, load.cpu - baseline.cpu);
  const valid = load.belowFullRate === 0 && load.errors === 0;
  return {
    valid,
    invalidBecause: valid
      ? undefined
      : `${load.belowFullRate} of ${VIEWERS} viewers received less than ${load.fullRate} of the published bytes (min ${load.receivedRatioMin}), ${load.errors} failed`,
    cpuCores: round(load.cpu, 3),
    msPerViewerSecond: valid ? round((extra / VIEWERS) * 1000, 3) : null,
    viewersPerCore: valid ? Math.round(VIEWERS / Math.max(extra, 1e-6)) : null,
    rssMiB: round(load.rss / 1048576, 1),
    viewersSeen: load.viewers,
    clientErrors: load.errors,
    publishedPayloadBytes: load.published,
    receivedRatioMin: load.receivedRatioMin,
    receivedRatioP50: load.receivedRatioP50,
  };
}

async function viewerGauge(httpUrl) {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(/^tributary_edge_viewers (\d+)/m.exec(text)?.[1] ?? 0);
}

async function latency(label, startViewer) {
  const samples = [];
  const stop = { stopped: false };
  const t0 = Date.now();
  const sink = (clocks, arrivedAt) => {
    if (arrivedAt - t0 < LATENCY_SKIP_MS) return;
    for (const sent of clocks) samples.push(arrivedAt - sent);
  };
  const viewer = startViewer(sink, stop);
  await sleep(LATENCY_SKIP_MS + LATENCY_SECONDS * 1000);
  stop.stopped = true;
  await viewer;
  samples.sort((x, y) => x - y);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN;
  const out = {
    frames: samples.length,
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    maxMs: samples.at(-1) ?? NaN,
    minMs: samples[0] ?? NaN,
  };
  log(
    `${label}: frame arrival latency p50 ${out.p50Ms} ms, p95 ${out.p95Ms} ms, min ${out.minMs} ms (${out.frames} frames)`,
  );
  return out;
}

// --- players --------------------------------------------------------------------------------------

/** An HLS player's requests: the playlist every target duration, each new segment once. */
async function hlsViewer(base, stop, sink, counter = { bytes: 0 }) {
  const t = await token('bench');
  const seen = new Set();
  let bytes = 0;
  while (!stop.stopped) {
    const res = await fetch(`${base}/live/bench/index.m3u8?token=${t}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`playlist ${res.status}: ${text}`);
    const uris = text.split('\n').filter((l) => l && !l.startsWith('#'));
    // A player joining starts near the live edge, not at the start of the window.
    if (seen.size === 0) for (const u of uris.slice(0, -1)) seen.add(u);
    for (const uri of uris) {
      if (seen.has(uri)) continue;
      seen.add(uri);
      const body = Buffer.from(await (await fetch(`${base}/live/bench/${uri}`)).arrayBuffer());
      bytes += body.length;
      counter.bytes += body.length;
      sink?.(clocksIn(tsPayloads(body)), Date.now());
    }
    await sleep(sink ? TARGET_DURATION_MS / 4 : TARGET_DURATION_MS);
  }
  return { bytes };
}

/** An LL-HLS player: blocking playlist reloads and preload-hinted parts (rfc8216bis §6.2.5). */
async function llHlsViewer(base, stop, sink) {
  const t = await token('bench');
  let query = '';
  let bytes = 0;
  const fetched = new Set();
  while (!stop.stopped) {
    const text = await (await fetch(`${base}/live/bench/index.m3u8?token=${t}${query}`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
    if (!hint) throw new Error(`no preload hint in ${text}`);
    const [, msn, part] = /part-(\d+)\.(\d+)\./.exec(hint);
    if (!fetched.has(hint)) {
      fetched.add(hint);
      const body = Buffer.from(await (await fetch(`${base}/live/bench/${hint}`)).arrayBuffer());
      bytes += body.length;
      sink?.(clocksIn(body), Date.now());
    }
    // Blocking on the part just fetched returns at once with the next hint, so no part is skipped.
    query = `&_HLS_msn=${msn}&_HLS_part=${part}`;
  }
  return { bytes };
}

/** An HTTP-FLV player reading the stream until told to stop. */
function flvViewer(base, stop, sink, counter = { bytes: 0 }) {
  return token('bench').then(
    (t) =>
      new Promise((resolvePlayer, reject) => {
        let bytes = 0;
        let tail = Buffer.alloc(0);
        const req = http.get(`${base}/live/bench.flv?token=${t}`, { agent: false }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`flv ${res.statusCode}`));
          res.on('data', (chunk) => {
            bytes += chunk.length;
            counter.bytes += chunk.length;
            if (sink) {
              // Keep a short tail so a clock split across two reads is still found.
              const window = Buffer.concat([tail, chunk]);
              sink(clocksIn(window.subarray(0, window.length - 30)), Date.now());
              tail = window.subarray(Math.max(0, window.length - 30));
            }
          });
          res.on('end', () => resolvePlayer({ bytes }));
        });
        req.on('error', (err) => (stop.stopped ? resolvePlayer({ bytes }) : reject(err)));
        const timer = setInterval(() => {
          if (!stop.stopped) return;
          clearInterval(timer);
          req.destroy();
          resolvePlayer({ bytes });
        }, 200);
      }),
  );
}

/** An RTMP player (the shared harness's play client, which skips media payloads in place) until told to stop. */
async function rtmpViewer(url, stop, counter) {
  const t = await token('bench');
  return new Promise((resolvePlayer) => {
    const player = new RtmpPlayer(parseRtmpUrl(`${url}?token=${t}`), {
      hooks: { onClose: () => !stop.stopped && resolvePlayer({ error: `closed: ${player.closeReason}` }) },
    });
    player.start();
    const timer = setInterval(() => {
      counter.bytes = player.bytesIn;
      if (!stop.stopped) return;
      clearInterval(timer);
      player.stop();
      resolvePlayer({ bytes: player.bytesIn });
    }, 100);
  });
}

/** The elementary-stream bytes of each PID of an MPEG-TS segment, joined (so NAL units are contiguous). */
function tsPayloads(ts) {
  const byPid = new Map();
  for (let at = 0; at + 188 <= ts.length; at += 188) {
    const pid = ((ts[at + 1] & 0x1f) << 8) | ts[at + 2];
    const hasAdaptation = (ts[at + 3] & 0x20) !== 0;
    const start = at + 4 + (hasAdaptation ? 1 + ts[at + 4] : 0);
    if (!byPid.has(pid)) byPid.set(pid, []);
    byPid.get(pid).push(ts.subarray(start, at + 188));
  }
  return Buffer.concat([...byPid.values()].map((parts) => Buffer.concat(parts)));
}

// --- helpers --------------------------------------------------------------------------------------

function report(r) {
  const lines = [
    `# HTTP playback bench (${new Date().toISOString()}, node ${r.node}, ${r.viewers} viewers, ${r.seconds} s windows)`,
    '',
    '| load | edge CPU (cores) | CPU per viewer (ms per viewer-second) | viewers per core | RSS MiB | viewers counted |',
    '|---|---|---|---|---|---|',
    `| publisher only | ${round(r.cpu.baseline?.cpu ?? NaN, 3)} | | | ${round((r.cpu.baseline?.rss ?? NaN) / 1048576, 1)} | |`,
  ];
  for (const [name, c] of [
    ['HLS (MPEG-TS)', r.cpu.hls],
    ['HTTP-FLV', r.cpu.flv],
    ['RTMP', r.cpu.rtmp],
  ]) {
    if (c)
      lines.push(
        `| ${name} x${r.viewers} | ${c.cpuCores} | ${c.valid ? c.msPerViewerSecond : `invalid run: ${c.invalidBecause}`} | ${c.viewersPerCore ?? ''} | ${c.rssMiB} | ${c.viewersSeen} |`,
      );
  }
  lines.push(
    '',
    `A CPU figure counts only when every viewer received at least 95 % of the published payload bytes in the window (HLS: less two segments); ` +
      `received/published min: HLS ${r.cpu.hls?.receivedRatioMin}, HTTP-FLV ${r.cpu.flv?.receivedRatioMin}, RTMP ${r.cpu.rtmp?.receivedRatioMin}. ` +
      `HTTP-FLV / RTMP CPU per viewer: ${r.cpu.flvToRtmp ?? '– (a run was invalid)'}.`,
  );
  lines.push('', '| protocol | frame arrival latency p50 | p95 | min | frames |', '|---|---|---|---|---|');
  for (const [name, l] of [
    ['HLS (MPEG-TS, 2 s)', r.latency.hls],
    ['LL-HLS (fMP4, 0.5 s parts)', r.latency.llhls],
    ['HTTP-FLV', r.latency.flv],
  ]) {
    if (l) lines.push(`| ${name} | ${l.p50Ms} ms | ${l.p95Ms} ms | ${l.minMs} ms | ${l.frames} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function runCleanups() {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}
