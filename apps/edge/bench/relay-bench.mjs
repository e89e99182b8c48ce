#!/usr/bin/env node
// `npm run bench:relay` (apps/edge): what distribution costs (issue 11), with real edge processes and the
// real api (test/support/control-plane: a migrated PGlite, or a database of its own on DATABASE_URL's
// server). One stream is published with bench/lib/stamped-publisher.mjs (the harness's clip in a
// real-time loop, its send time stamped into every video frame) to the origin edge; then:
//
//  1. added latency per relay hop: one latency probe (bench/lib/latency-probe.mjs) on the origin (0 hops),
//     one on an edge pulling from it (1 hop), one on an edge whose upstream is that edge (EDGE_UPSTREAM_URL:
//     origin → mid-tier → edge, 2 hops), all in the same window: p50 / p99 publisher send → viewer receive;
//  2. the origin's CPU per relaying edge, beside its CPU per direct viewer: the origin's CPU over a window
//     with no viewer, with one viewer on each of 3 other edges (3 pulls), and with 3 viewers of its own;
//  3. 3 edges × N viewers (default 300) of the stream published on a fourth: the shared load harness
//     (../shared/bench/bench.mjs) against each of the 3 edges at once, every viewer checked for the full
//     rate, with each edge's CPU and the origin's.
//
//   npm run bench:relay -- [--viewers 300] [--window 15] [--work DIR]
//
// Each run writes a new folder, bench/results/<ISO time>-relay/ (never overwriting one): summary.md,
// summary.json, edge-<name>.{json,md,log} from the harness.
import { fork, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir, edgeDir, harnessDir } from './lib/paths.mjs';

const { values: opt } = parseArgs({
  options: {
    viewers: { type: 'string', default: '300' },
    window: { type: 'string', default: '15' },
    work: { type: 'string', default: process.env.BENCH_WORK ?? '/tmp/tributary-edge-bench' },
  },
});
const viewersPerEdge = Number(opt.viewers);
const windowSec = Number(opt.window);
const work = resolve(opt.work);
const clip = join(work, 'clip.flv');
const outDir = join(
  benchDir,
  'results',
  `${new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')}-relay`,
);

const fail = (msg) => {
  process.stderr.write(`relay-bench: ${msg}\n`);
  process.exit(1);
};
if (!existsSync(join(harnessDir, 'bench.mjs'))) fail(`the load harness is not at ${harnessDir}`);
if (!existsSync(join(edgeDir, 'dist/test/support/control-plane.js'))) fail('build first: npm run build');
if (existsSync(outDir)) fail(`${outDir} exists: a run never overwrites another`);
mkdirSync(outDir, { recursive: true });
mkdirSync(work, { recursive: true });
if (!existsSync(clip)) {
  const made = spawnSync(join(harnessDir, 'anchors/make-clip.sh'), [clip], { stdio: 'inherit' });
  if (made.status !== 0) fail('could not make the clip');
}
const { processTree, CLK_TCK } = await import(join(harnessDir, 'lib/proc.mjs'));
const { ControlPlane } = await import(join(edgeDir, 'dist/test/support/control-plane.js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`[relay-bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU seconds (user + system) of `pid` and its descendants, from /proc. */
function cpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      // exited
    }
  }
  return total;
}

/** Cores used by each pid over `seconds` from now. */
async function cpuOver(pids, seconds) {
  const t0 = performance.now();
  const c0 = pids.map(cpuSeconds);
  await sleep(seconds * 1000);
  const dt = (performance.now() - t0) / 1000;
  return pids.map((p, i) => round((cpuSeconds(p) - c0[i]) / dt));
}

/** A latency probe viewer (bench/lib/latency-probe.mjs) on `url`, with start/stop windows. */
function startProbe(url) {
  const child = fork(join(benchDir, 'lib/latency-probe.mjs'), ['--url', url], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map();
  child.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return {
    start: () => child.send({ cmd: 'start' }),
    stop: () =>
      new Promise((res, rej) => {
        const id = ++seq;
        const t = setTimeout(() => rej(new Error('a latency probe did not answer within 10 s')), 10_000);
        waiting.set(id, (m) => {
          clearTimeout(t);
          res(m);
        });
        child.send({ cmd: 'stop', id });
      }),
    exit: async () => {
      if (!child.connected) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'exit' });
      await Promise.race([gone, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Waits until every probe has received stamped frames (the stream plays there), or throws. */
async function untilPlaying(probes, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (const p of probes) p.start();
  for (;;) {
    await sleep(1000);
    const got = await Promise.all(probes.map((p) => p.stop()));
    if (got.every((g) => g.frames > 0)) return;
    if (Date.now() > until)
      throw new Error(`not every probe plays: frames ${got.map((g) => g.frames).join(', ')}`);
    for (const p of probes) p.start();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tributary-relay-bench-'));
const cleanup = [];
const summary = {
  date: new Date().toISOString(),
  argv: process.argv.slice(2),
  node: process.version,
  viewersPerEdge,
  windowSec,
};
try {
  log('starting the api and 5 edges');
  const plane = await ControlPlane.start({ dir });
  cleanup.push(() => plane.stop());
  const tenant = await plane.newTenant('Relay bench');
  const stream = await plane.newStream(tenant, 'relayed');
  const edgeEnv = {
    // info, not warn: ControlPlane.startEdge waits for each edge's 'edge ready' line, an info line
    LOG_LEVEL: 'info',
    // every bench viewer comes from 127.0.0.1: the per-address cap would refuse all past the 200th
    MAX_CONNECTIONS_PER_IP: '100000',
    RELAY_LINGER_MS: '1000',
  };
  const origin = await plane.startEdge({ name: 'origin', env: edgeEnv });
  const edges = [];
  for (const name of ['edge-1', 'edge-2', 'edge-3'])
    edges.push(await plane.startEdge({ name, env: edgeEnv }));
  const tier2 = await plane.startEdge({
    name: 'edge-via-edge-1',
    env: { ...edgeEnv, EDGE_UPSTREAM_URL: edges[0].rtmp },
  });
  const play = (edge) => `${edge.rtmp}/${stream.playbackId}`;
  const pidOf = (edge) => edge.proc.child.pid;

  const publisher = spawn(
    process.execPath,
    [
      join(benchDir, 'lib/stamped-publisher.mjs'),
      '--clip',
      clip,
      '--url',
      `${origin.rtmp}/${stream.streamKey}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  cleanup.push(() => publisher.exitCode === null && publisher.kill('SIGTERM'));
  await sleep(3000);
  if (publisher.exitCode !== null) throw new Error(`the publisher exited with ${publisher.exitCode}`);

  // 1. Added latency per hop, the three probes in the same window.
  log('1. latency per relay hop');
  const hops = [
    { hops: 0, edge: origin },
    { hops: 1, edge: edges[0] },
    { hops: 2, edge: tier2 },
  ];
  const probes = hops.map((h) => startProbe(play(h.edge)));
  await untilPlaying(probes, 30_000);
  await sleep(2000);
  for (const p of probes) p.start();
  await sleep(windowSec * 1000);
  const lat = await Promise.all(probes.map((p) => p.stop()));
  summary.latency = hops.map((h, i) => ({ hops: h.hops, edge: h.edge.name, ...lat[i] }));
  await Promise.all(probes.map((p) => p.exit()));
  // The pulls linger (RELAY_LINGER_MS) after their last viewer, then stop.
  await sleep(4000);

  // 2. The origin's CPU: alone, with 3 relaying edges, with 3 direct viewers.
  log('2. origin CPU per relaying edge and per direct viewer');
  const [alone] = await cpuOver([pidOf(origin)], windowSec);
  const relayViewers = edges.map((e) => startProbe(play(e)));
  await untilPlaying(relayViewers, 30_000);
  await sleep(2000);
  const [withRelays] = await cpuOver([pidOf(origin)], windowSec);
  await Promise.all(relayViewers.map((p) => p.exit()));
  await sleep(4000);
  const direct = [0, 1, 2].map(() => startProbe(play(origin)));
  await untilPlaying(direct, 30_000);
  await sleep(2000);
  const [withDirect] = await cpuOver([pidOf(origin)], windowSec);
  await Promise.all(direct.map((p) => p.exit()));
  summary.originCpu = {
    aloneCores: alone,
    with3RelaysCores: withRelays,
    with3DirectViewersCores: withDirect,
    perRelayMicrosPerSecond: round(((withRelays - alone) / 3) * 1e6, 0),
    perDirectViewerMicrosPerSecond: round(((withDirect - alone) / 3) * 1e6, 0),
  };
  await sleep(4000);

  // 3. 3 edges × N viewers, the harness against each at once.
  log(`3. ${edges.length} edges × ${viewersPerEdge} viewers`);
  const runs = edges.map((edge) => {
    const out = createWriteStream(join(outDir, `${edge.name}.log`));
    const child = spawn(
      process.execPath,
      [
        join(harnessDir, 'bench.mjs'),
        ...[
          '--url',
          play(edge),
          '--server-pid',
          String(pidOf(edge)),
          '--publisher-pid',
          String(publisher.pid),
        ],
        ...['--clip', clip, '--label', `${edge.name} (relayed from origin)`],
        ...[
          '--viewers',
          String(viewersPerEdge),
          '--window',
          String(windowSec),
          '--joins',
          '3',
          '--ramp',
          '100',
        ],
        ...['--out', join(outDir, `${edge.name}.json`), '--md', join(outDir, `${edge.name}.md`)],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr.pipe(out);
    return new Promise((r) => child.on('exit', (code) => r(code)));
  });
  // The origin's CPU over the harnesses' windows: they ramp at 100/s, then settle 5 s.
  await sleep((viewersPerEdge / 100 + 8) * 1000);
  const [originUnderLoad] = await cpuOver([pidOf(origin)], windowSec);
  const codes = await Promise.all(runs);
  summary.fanout = {
    originCores: originUnderLoad,
    edges: edges.map((edge, i) => {
      if (codes[i] !== 0) return { edge: edge.name, error: `bench.mjs exited with ${codes[i]}` };
      const result = JSON.parse(readFileSync(join(outDir, `${edge.name}.json`), 'utf8'));
      const step = result.steps.find((s) => s.viewers === viewersPerEdge) ?? result.steps.at(-1);
      return { edge: edge.name, step };
    }),
  };
} catch (err) {
  summary.error = err instanceof Error ? err.message : String(err);
  log(`failed: ${summary.error}`);
} finally {
  for (const stop of cleanup.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}

writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 1));
const md = render(summary);
writeFileSync(join(outDir, 'summary.md'), md);
process.stdout.write(`\n${md}\nresults: ${outDir}\n`);
if (summary.error) process.exit(1);

function render(s) {
  const lines = [
    `Relay bench ${s.date}, node ${s.node}, options \`${s.argv.join(' ') || '(defaults)'}\`: real api, 5 edge processes on one 2-core machine (loopback).`,
    '',
  ];
  if (s.latency) {
    lines.push(
      'Added latency per relay hop: publisher send → viewer receive of every video frame, one probe viewer per edge, the three in the same window.',
      '',
      '| hops | edge | added latency p50 / p99 / max (ms) | frames sampled | reconnects |',
      '|---:|---|---:|---:|---:|',
      ...s.latency.map(
        (l) =>
          `| ${l.hops} | ${l.edge} | ${l.p50Ms} / ${l.p99Ms} / ${l.maxMs} | ${l.frames} | ${l.reconnects} |`,
      ),
      '',
    );
  }
  if (s.originCpu) {
    const o = s.originCpu;
    lines.push(
      "The origin edge's CPU over a window (publisher only; + 3 other edges pulling, one viewer each; + 3 viewers of its own instead):",
      '',
      '| origin alone | with 3 relaying edges | with 3 direct viewers | per relaying edge | per direct viewer |',
      '|---:|---:|---:|---:|---:|',
      `| ${o.aloneCores} cores | ${o.with3RelaysCores} cores | ${o.with3DirectViewersCores} cores | ${o.perRelayMicrosPerSecond} µs/s | ${o.perDirectViewerMicrosPerSecond} µs/s |`,
      '',
    );
  }
  if (s.fanout) {
    lines.push(
      `3 edges × ${s.viewersPerEdge} viewers of the stream published on a fourth (the shared harness against each edge at once); origin CPU ${s.fanout.originCores} cores in the window:`,
      '',
      '| edge | viewers | full-rate | dropped | edge CPU (cores) | µs per viewer-second (edge CPU / viewers, its pull included) | per-viewer Mbit/s p5 | frame gap p99 (ms) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...s.fanout.edges.map((e) =>
        e.error
          ? `| ${e.edge} | – | ${e.error} | | | | | |`
          : `| ${e.edge} | ${e.step.viewers} | ${e.step.healthy}/${e.step.viewers} | ${e.step.droppedInStep} | ${e.step.server.cpuCores} | ${round((e.step.server.cpuCores / e.step.viewers) * 1e6, 0)} | ${e.step.perViewer.mbpsP5} | ${e.step.perViewer.maxGapMsP99} |`,
      ),
      '',
    );
  }
  if (s.error) lines.push(`**The run failed:** ${s.error}`, '');
  return lines.join('\n');
}
