#!/usr/bin/env node
// `npm run bench:ladder` (apps/edge; also part of `npm run bench`): what dynamic streaming costs (issue 13).
//
//   npm run bench:ladder -- [--ladder-seconds 20] [--switches 40] [--clip FILE] [--work DIR]
//
// The edge runs as its own process (bench-edge.mjs) behind the in-test control plane.
//   1. transcode: ffmpeg publishes the 720p30 clip (the other benches' clip) in a real-time loop to a stream
//      with a three-rendition `transcode` ladder (720p 2500k, 480p 1200k, 240p 400k, TRANSCODE_PRESET
//      veryfast, 1 thread each); after a settle, the CPU of the edge and of its transcoder ffmpeg over
//      --ladder-seconds, beside the same window with the publisher alone (no ladder), in cores; and each
//      rendition's frame rate as an RtmpClient viewer receives it (the ladder keeps up when it is ~30).
//   2. switch latency: one ffmpeg publishes a three-rendition encoder ladder (aligned 1 s GOPs, 25 fps);
//      an RtmpClient plays high and sends --switches play2 switches round high → mid → low → high; for each,
//      the time from sending play2 to the first video frame of the new rendition (after TransitionComplete),
//      p50 / p99 / max. Bounded by the GOP (the switch waits for the new rendition's keyframe) plus
//      RENDITION_SWITCH_HOLD_MS.
// Requires a build (npm run build) and ffmpeg. Each run writes a new folder, never overwriting one:
// bench/results/<ISO time>-ladder/ladder.{json,md}.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { edgeDir, startBenchEdge } from './bench-edge.mjs';

const args = process.argv.slice(2);
const option = (name, def) => {
  const i = args.indexOf(name);
  return i < 0 ? def : args[i + 1];
};
const SECONDS = Number(option('--ladder-seconds', '20'));
const SWITCHES = Number(option('--switches', '40'));
const SETTLE_MS = 6000;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
const work = resolve(option('--work', process.env.BENCH_WORK ?? '/tmp/tributary-edge-bench'));
const clip = option('--clip', join(work, 'clip.flv'));
const stamp = new Date()
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const outDir = join(edgeDir, 'bench', 'results', `${stamp}-ladder`);

const TRANSCODE_LADDER = [
  { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
  { name: 'mid', width: 854, height: 480, videoBitrateKbps: 1200, audioBitrateKbps: 96 },
  { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
];
const ENCODER_LADDER = [
  { name: 'high', width: 640, height: 360, videoBitrateKbps: 900, audioBitrateKbps: 96 },
  { name: 'mid', width: 426, height: 240, videoBitrateKbps: 450, audioBitrateKbps: 64 },
  { name: 'low', width: 256, height: 144, videoBitrateKbps: 200, audioBitrateKbps: 48 },
];

if (!(SECONDS >= 2)) fail('--ladder-seconds must be at least 2');
if (!Number.isInteger(SWITCHES) || SWITCHES < 1) fail('--switches must be a whole number ≥ 1');
if (!existsSync(join(edgeDir, 'dist/src/main.js'))) fail('build first: npm run build');
mkdirSync(work, { recursive: true });
if (existsSync(outDir)) fail(`${outDir} exists: a run never overwrites another`);
if (!existsSync(clip)) makeClip(clip);

const require = createRequire(import.meta.url);
const { FakeControlPlane } = require(join(edgeDir, 'dist/test/support/fake-control-plane.js'));

const results = {
  seconds: SECONDS,
  switches: SWITCHES,
  clip,
  node: process.version,
  cores: navigatorCores(),
};
const cleanups = [];
process.on('SIGINT', () => void runCleanups().then(() => process.exit(130)));

try {
  const api = new FakeControlPlane();
  api.allow('plainkey', { playbackId: 'plain', cacheTtlSeconds: 60 });
  api.allow('tkey', {
    playbackId: 'tpb',
    cacheTtlSeconds: 60,
    renditionSource: 'transcode',
    renditions: TRANSCODE_LADDER,
  });
  for (const r of ENCODER_LADDER)
    api.allow(`ekey_${r.name}`, {
      playbackId: 'epb',
      cacheTtlSeconds: 60,
      renditionSource: 'encoder',
      renditions: ENCODER_LADDER,
      rendition: r.name,
    });
  const apiUrl = await api.start();
  cleanups.push(() => api.stop());
  const { edge, rtmpPort } = await startBenchEdge(apiUrl, api.credential, {
    TRANSCODE_PRESET: 'veryfast',
    TRANSCODE_THREADS: '1',
  });
  cleanups.unshift(async () => {
    if (edge.exitCode !== null || edge.signalCode !== null) return;
    const exited = new Promise((r) => edge.once('exit', r));
    edge.kill('SIGTERM');
    await exited;
  });
  const rtmp = `rtmp://127.0.0.1:${rtmpPort}/live`;

  // 1. transcode cost
  const plain = publishClip(`${rtmp}/plainkey`);
  await sleep(SETTLE_MS);
  const alone = await measure([edge.pid], SECONDS);
  plain.kill('SIGKILL');
  results.publisherAlone = { edgeCores: round(alone.cores, 3) };
  log(`publisher alone: edge ${pct(alone.cores)} of a core`);
  await sleep(2000);
  const source = publishClip(`${rtmp}/tkey`);
  await sleep(SETTLE_MS);
  const transcoderPid = childFfmpeg(edge.pid);
  if (transcoderPid === undefined) throw new Error('no transcoder ffmpeg under the edge');
  const viewers = TRANSCODE_LADDER.map((r) => frameCounter(`${rtmp}`, `tpb_${r.name}`));
  await Promise.all(viewers.map((v) => v.started));
  await sleep(2000);
  const before = viewers.map((v) => v.frames());
  const load = await measure([edge.pid, transcoderPid], SECONDS);
  const fps = viewers.map((v, i) => round((v.frames() - before[i]) / load.seconds, 1));
  for (const v of viewers) v.close();
  source.kill('SIGKILL');
  results.transcode = {
    ladder: TRANSCODE_LADDER.map((r) => `${r.name} ${r.width}x${r.height} ${r.videoBitrateKbps}k`),
    edgeCores: round(load.perPid[0], 3),
    transcoderCores: round(load.perPid[1], 3),
    totalCores: round(load.cores, 3),
    addedCores: round(load.cores - alone.cores, 3),
    renditionFps: Object.fromEntries(TRANSCODE_LADDER.map((r, i) => [r.name, fps[i]])),
  };
  log(
    `transcode x3: ${pct(load.cores)} of a core (transcoder ${pct(load.perPid[1])}, edge ${pct(load.perPid[0])}); fps ${fps.join(' / ')}`,
  );
  await sleep(2000);

  // 2. play2 switch latency
  const encoder = publishEncoderLadder(rtmp);
  await sleep(SETTLE_MS);
  results.switchLatencyMs = await switchLatencies(rtmp);
  encoder.kill('SIGKILL');
  log(
    `play2 switch (${SWITCHES}): p50 ${results.switchLatencyMs.p50} ms, p99 ${results.switchLatencyMs.p99} ms, max ${results.switchLatencyMs.max} ms`,
  );
} finally {
  await runCleanups();
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'ladder.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'ladder.md'), report(results));
process.stdout.write(report(results));
log(`results in ${outDir}`);

// --- load and measurement ------------------------------------------------------------------------

function publishClip(url) {
  const p = spawn(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', url],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  cleanups.unshift(() => p.kill('SIGKILL'));
  return p;
}

function publishEncoderLadder(rtmp) {
  const split = ENCODER_LADDER.map((_, i) => `[v${i}]`).join('');
  const scales = ENCODER_LADDER.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`).join(';');
  const outputs = ENCODER_LADDER.flatMap((r, i) =>
    [
      ['-map', `[o${i}]`, '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
      [
        '-pix_fmt',
        'yuv420p',
        '-g',
        '25',
        '-keyint_min',
        '25',
        '-sc_threshold',
        '0',
        '-b:v',
        `${r.videoBitrateKbps}k`,
      ],
      ['-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`, '-f', 'flv', `${rtmp}/ekey_${r.name}`],
    ].flat(),
  );
  const p = spawn(
    'ffmpeg',
    [
      ['-v', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
      ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ['-filter_complex', `[0:v]split=${ENCODER_LADDER.length}${split};${scales}`],
      outputs,
    ].flat(),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  cleanups.unshift(() => p.kill('SIGKILL'));
  return p;
}

/** An RtmpClient viewer of `name` counting the video frames it receives. */
function frameCounter(url, name) {
  const client = new RtmpClient({ url, timeoutMs: 30_000 });
  let frames = 0;
  const started = (async () => {
    await client.connect();
    const ns = await client.createStream();
    ns.on('media', (m) => {
      if (m.typeId === 9 && m.payload[1] === 1) frames++;
    });
    await client.play(name, { stream: ns });
  })();
  cleanups.unshift(() => client.close());
  return { started, frames: () => frames, close: () => client.close() };
}

async function switchLatencies(rtmp) {
  const client = new RtmpClient({ url: rtmp, timeoutMs: 30_000 });
  cleanups.unshift(() => client.close());
  await client.connect();
  const ns = await client.createStream();
  let pending;
  let completed = false;
  ns.on('data', (d) => {
    if (d.name === 'onPlayStatus' && d.values[0]?.code === StatusCode.PlayTransitionComplete)
      completed = true;
  });
  ns.on('media', (m) => {
    if (pending && completed && m.typeId === 9 && m.payload[1] === 1) {
      pending.resolve(performance.now() - pending.t0);
      pending = undefined;
    }
  });
  await client.play('epb_high', { stream: ns });
  await sleep(2000);
  const order = ['mid', 'low', 'high'];
  let current = 'high';
  const samples = [];
  for (let i = 0; i < SWITCHES; i++) {
    const next = order[i % order.length];
    completed = false;
    const done = new Promise((resolve, reject) => {
      pending = { t0: performance.now(), resolve };
      setTimeout(() => reject(new Error(`switch ${i} to ${next}: no frame within 10 s`)), 10_000).unref();
    });
    client.sendCommand(
      {
        name: 'play2',
        transactionId: 0,
        object: null,
        args: [
          {
            streamName: `epb_${next}`,
            oldStreamName: `epb_${current}`,
            transition: 'switch',
            start: -2,
            len: -1,
          },
        ],
      },
      ns.messageStreamId,
    );
    samples.push(await done);
    current = next;
    // a random phase in the GOP for the next request
    await sleep(300 + Math.floor(Math.random() * 700));
  }
  client.close();
  samples.sort((a, b) => a - b);
  const q = (p) => round(samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)], 1);
  return {
    p50: q(0.5),
    p99: q(0.99),
    max: round(samples.at(-1), 1),
    min: round(samples[0], 1),
    n: samples.length,
  };
}

function childFfmpeg(pid) {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const c of children) {
      const comm = readFileSync(`/proc/${c}/comm`, 'utf8').trim();
      if (comm === 'ffmpeg') return Number(c);
    }
  }
  return undefined;
}

function readCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function measure(pids, seconds) {
  const cpu0 = pids.map(readCpu);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const perPid = pids.map((p, i) => (readCpu(p) - cpu0[i]) / elapsed);
  return { cores: perPid.reduce((a, b) => a + b, 0), perPid, seconds: elapsed };
}

// --- report --------------------------------------------------------------------------------------

function report(r) {
  const t = r.transcode;
  const s = r.switchLatencyMs;
  return [
    `# Dynamic streaming: a three-rendition transcode ladder and play2 switch latency`,
    '',
    `Node ${r.node}, ${r.cores} cores; clip ${r.clip} (720p30, 2.5 Mbit/s); ${r.seconds} s windows.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| edge CPU, publisher alone | ${r.publisherAlone?.edgeCores} cores |`,
    t
      ? `| transcode ladder (${t.ladder.join(', ')}) | ${t.totalCores} cores (transcoder ${t.transcoderCores}, edge ${t.edgeCores}); ${t.addedCores} cores added per live stream |`
      : '| transcode | not run |',
    t
      ? `| renditions' frame rate as played | ${Object.entries(t.renditionFps)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} fps |`
      : '',
    s
      ? `| play2 switch, request → first frame of the new rendition (${s.n} switches, 1 s GOP) | p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms |`
      : '| switch | not run |',
    '',
  ].join('\n');
}

// --- helpers -------------------------------------------------------------------------------------

function navigatorCores() {
  return readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('processor')).length;
}

function makeClip(file) {
  // 1280x720 30 fps, GOP 2 s, 2.5 Mbit/s + AAC 128 kbit/s, 60 s: the other benches' clip.
  const made = spawnSync(
    'ffmpeg',
    [
      ['-hide_banner', '-loglevel', 'error', '-y'],
      ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-b:v', '2500k', '-maxrate', '2500k'],
      ['-bufsize', '5000k', '-c:a', 'aac', '-b:a', '128k', '-t', '60', file],
    ].flat(),
    { stdio: 'inherit' },
  );
  if (made.status !== 0) fail('ffmpeg could not make the clip');
}

async function runCleanups() {
  while (cleanups.length > 0) {
    try {
      await cleanups.shift()();
    } catch {}
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
function pct(x) {
  return `${round(x * 100, 1)} %`;
}
function log(msg) {
  process.stderr.write(`[ladder-bench] ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`ladder-bench: ${msg}\n`);
  process.exit(1);
}
