#!/usr/bin/env node
// `npm run bench:rtmpt` (apps/edge): what a viewer over RTMPT (RTMP tunnelled through HTTP polls) costs
// the edge beside one over plain RTMP, at the same viewer count and stream.
//
//   npm run bench:rtmpt -- [--viewers 300] [--seconds 20] [--clip FILE]
//
// The edge runs as its own process (bench-edge.mjs); this process publishes a 2.5 Mbit/s clip in real
// time with rtmp-core's RtmpClient and opens N viewers, each an RtmpClient: first over rtmp://, then
// over rtmpt:// (rtmptDialer: one request in flight per viewer, an idle poll when it has nothing to
// send, as FFmpeg's rtmpt:// does; the edge holds an empty idle poll up to RTMPT_HOLD_MS). Edge CPU
// comes from /proc/<pid>/stat over the window, minus the same window with the publisher alone; polls
// per viewer-second are counted at the client's HTTP agent.
// A CPU figure counts only when every viewer received at least 95 % of the payload bytes published in
// the window; otherwise the row says the run is invalid and why.
// Requires a build (npm run build) and ffmpeg. Each run writes a new folder, never overwriting one:
// bench/results/<ISO time>-rtmpt/rtmpt.{json,md}.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { FlvTagType, parseFlv } from '@tributary/rtmp-core';
import { RtmpClient, rtmptDialer } from '@tributary/rtmp-core/node';
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
import { edgeDir } from './lib/paths.mjs';

const option = argvOptions();
const fail = failer('rtmpt-bench');
const VIEWERS = Number(option('--viewers', '300'));
const SECONDS = Number(option('--seconds', '20'));
/** Viewers are started over this long, so N connects do not land in one tick. */
const RAMP_MS = 5000;
/** After the ramp: every viewer has its keyframe and is at the live edge. */
const SETTLE_MS = 3000;
const FULL_RATE = 0.95;

const { clip, outDir } = liveBenchSetup('rtmpt', option, fail);

const { FakeControlPlane } = await import(join(edgeDir, 'dist/test/support/fake-control-plane.js'));
/** The edge's RTMPT settings under test (the edge inherits this process's environment). */
const rtmptEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('RTMPT_')));
const results = {
  viewers: VIEWERS,
  seconds: SECONDS,
  clip,
  node: process.version,
  rtmptEnv,
  cpu: {},
  polls: {},
};
const cleanups = [];
process.on('SIGINT', () => void runCleanups().then(() => process.exit(130)));

try {
  const edge = await startEdge();
  const baseline = await measure(edge.edge.pid, SECONDS, edge.publisher);
  results.cpu.baseline = { cpuCores: round(baseline.cpu, 3), rssMiB: round(baseline.rss / 1048576, 1) };
  log(`publisher only: ${pct(baseline.cpu)} of a core, RSS ${mib(baseline.rss)}`);

  const rtmp = await underLoad(edge, () => new RtmpClient({ url: edge.rtmpUrl }));
  results.cpu.rtmp = perViewer(rtmp, baseline);
  log(
    `RTMP x${VIEWERS}: ${pct(rtmp.cpu)} of a core, ${results.cpu.rtmp.msPerViewerSecond} ms CPU per viewer-second, RSS ${mib(rtmp.rss)}`,
  );
  await sleep(3000);

  const agent = countingAgent();
  const dial = rtmptDialer({ agent });
  const rtmpt = await underLoad(edge, () => new RtmpClient({ url: edge.rtmptUrl, dial }), agent);
  results.cpu.rtmpt = perViewer(rtmpt, baseline);
  results.polls.rtmptPerViewerSecond = round(rtmpt.requests / VIEWERS / SECONDS, 1);
  log(
    `RTMPT x${VIEWERS}: ${pct(rtmpt.cpu)} of a core, ${results.cpu.rtmpt.msPerViewerSecond} ms CPU per viewer-second, RSS ${mib(rtmpt.rss)}, ${results.polls.rtmptPerViewerSecond} polls per viewer-second`,
  );
  if (results.cpu.rtmp.valid && results.cpu.rtmpt.valid)
    results.cpu.rtmptToRtmp = round(
      results.cpu.rtmpt.msPerViewerSecond / results.cpu.rtmp.msPerViewerSecond,
      2,
    );
  agent.destroy();
} finally {
  await runCleanups();
}

writeResults(outDir, 'rtmpt', results, report(results));
process.stdout.write(report(results));

// --- edge, publisher and measurement -------------------------------------------------------------

async function startEdge() {
  const api = new FakeControlPlane();
  api.allow('benchkey', { playbackId: 'bench', cacheTtlSeconds: 30 });
  const apiUrl = await api.start();
  const { edge, rtmpPort, httpPort } = await startBenchEdge(apiUrl, api.credential, {
    // every bench viewer comes from 127.0.0.1
    RTMPT_MAX_SESSIONS_PER_IP: '100000',
    RTMPT_MAX_SESSIONS: '100000',
  });
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
  publisher = await publish(`rtmp://127.0.0.1:${rtmpPort}/live`, 'benchkey');
  await sleep(3000);
  return {
    edge,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live`,
    rtmptUrl: `rtmpt://127.0.0.1:${httpPort}/live`,
    publisher,
    stop,
  };
}

/** Publishes the clip in a real-time loop with rtmp-core's client (continuous timestamps). */
async function publish(url, key) {
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
      const header = tag.payload[1] === 0; // AVC and AAC: packet type 0 is the sequence header
      // Sequence headers go out once: the decoder configuration does not change between loops.
      if (!(header && loop > 0)) {
        stream.sendMedia({ typeId: tag.type, timestamp: ts, payload: tag.payload });
        sentPayloadBytes += tag.payload.length;
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
    get sentPayloadBytes() {
      return sentPayloadBytes;
    },
    stop() {
      stopped = true;
      client.close();
    },
  };
}

/** A keep-alive agent that counts the requests (polls) going through it. */
function countingAgent() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  agent.requests = 0;
  const add = agent.addRequest.bind(agent);
  agent.addRequest = (...a) => {
    agent.requests++;
    return add(...a);
  };
  return agent;
}

async function measure(pid, seconds, publisher, counters = [], agent) {
  const cpu0 = readCpu(pid);
  const self0 = process.cpuUsage();
  const sent0 = publisher.sentPayloadBytes;
  const got0 = counters.map((c) => c.bytes);
  const req0 = agent?.requests ?? 0;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = (readCpu(pid) - cpu0) / elapsed;
  const self = process.cpuUsage(self0);
  const published = publisher.sentPayloadBytes - sent0;
  const received = counters.map((c, i) => c.bytes - got0[i]);
  return {
    cpu,
    loadGeneratorCpu: (self.user + self.system) / 1e6 / elapsed,
    rss: readRss(pid),
    published,
    received,
    requests: (agent?.requests ?? 0) - req0,
  };
}

/** Starts VIEWERS players over RAMP_MS, lets them settle, measures, closes them. */
async function underLoad(edge, makeClient, agent) {
  const clients = [];
  const counters = [];
  let errors = 0;
  let firstError;
  for (let n = 0; n < VIEWERS; n++) {
    const counter = { bytes: 0 };
    counters.push(counter);
    const c = makeClient();
    clients.push(c);
    c.connect()
      .then(() => c.play('bench'))
      .then((s) => s.on('media', (m) => (counter.bytes += m.payload.length)))
      .catch((err) => {
        errors++;
        firstError ??= String(err);
      });
    await sleep(RAMP_MS / VIEWERS);
  }
  await sleep(SETTLE_MS);
  const m = await measure(edge.edge.pid, SECONDS, edge.publisher, counters, agent);
  for (const c of clients) c.close();
  if (errors > 0) log(`${errors} viewers failed, first: ${firstError}`);
  const ratios = m.received.map((b) => b / Math.max(1, m.published)).sort((x, y) => x - y);
  return {
    ...m,
    errors,
    belowFullRate: ratios.filter((r) => r < FULL_RATE).length,
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
      : `${load.belowFullRate} of ${VIEWERS} viewers received less than ${FULL_RATE} of the published bytes (min ${load.receivedRatioMin}), ${load.errors} failed`,
    cpuCores: round(load.cpu, 3),
    msPerViewerSecond: valid ? round((extra / VIEWERS) * 1000, 3) : null,
    viewersPerCore: valid ? Math.round(VIEWERS / Math.max(extra, 1e-6)) : null,
    rssMiB: round(load.rss / 1048576, 1),
    loadGeneratorCores: round(load.loadGeneratorCpu, 3),
    clientErrors: load.errors,
    publishedPayloadBytes: load.published,
    receivedRatioMin: load.receivedRatioMin,
    receivedRatioP50: load.receivedRatioP50,
  };
}

function report(r) {
  const row = (name, x) =>
    x.valid
      ? `| ${name} | ${pct(x.cpuCores)} | ${x.msPerViewerSecond} | ${x.viewersPerCore} | ${x.rssMiB} | ${x.receivedRatioMin} | ${pct(x.loadGeneratorCores)} |`
      : `| ${name} | ${pct(x.cpuCores)} | invalid: ${x.invalidBecause} | | ${x.rssMiB} | ${x.receivedRatioMin} | ${pct(x.loadGeneratorCores)} |`;
  return [
    `# RTMPT beside RTMP: ${r.viewers} viewers, ${r.seconds} s windows (${r.node})`,
    '',
    `Edge RTMPT settings: ${Object.keys(r.rtmptEnv).length === 0 ? 'defaults' : JSON.stringify(r.rtmptEnv)}.`,
    '',
    `Publisher alone: ${pct(r.cpu.baseline.cpuCores)} of a core, RSS ${r.cpu.baseline.rssMiB} MiB.`,
    '',
    '| viewers over | edge CPU | ms CPU per viewer-second | viewers per core | edge RSS MiB | min received ratio | load generator CPU |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('RTMP', r.cpu.rtmp),
    row('RTMPT', r.cpu.rtmpt),
    '',
    `RTMPT polls per viewer-second: ${r.polls.rtmptPerViewerSecond}.` +
      (r.cpu.rtmptToRtmp === undefined ? '' : ` RTMPT costs ${r.cpu.rtmptToRtmp}x RTMP per viewer.`),
    '',
  ].join('\n');
}

async function runCleanups() {
  for (const c of cleanups.splice(0)) await c();
}

function log(line) {
  process.stderr.write(`# ${line}\n`);
}
