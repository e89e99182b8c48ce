#!/usr/bin/env node
// `npm run bench:rtmps` (apps/edge; also part of `npm run bench`): what TLS costs the edge per viewer.
//
//   npm run bench:rtmps -- [--viewers 300] [--seconds 20] [--clip FILE] [--work DIR]
//   (--rtmps-viewers / --rtmps-seconds too, which win over a --viewers list meant for run-bench.mjs)
//
// The edge runs as its own process (bench-edge.mjs) with RTMPS on, a certificate made by the edge's own
// self-signed module (ECDSA P-256, as npm start serves); ffmpeg publishes the clip in a real-time loop over
// plain RTMP. Then, one after the other, N viewers over rtmp:// and N viewers over rtmps:// (rtmp-core's
// RtmpClient from @tributary/rtmp-core/node, TLS without verification, in this process), each playing the
// stream and counting the media payload bytes it receives:
//   - CPU per viewer: edge CPU (/proc/<pid>/stat) over a window of --seconds, minus the same window with
//     the publisher alone, per viewer and second;
//   - connect cost: edge CPU while the N viewers connect (TLS handshakes included), minus the publisher's
//     share of that time, per viewer;
//   - the RTMPS/RTMP ratio of both.
// A figure counts only when every viewer received at least 90 % of the clip's payload rate in the window
// (otherwise the row says why and gives no per-viewer figure).
// Requires a build (npm run build) and ffmpeg. Each run writes a new folder, never overwriting one:
// bench/results/<ISO time>-rtmps/rtmps.{json,md}.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FlvTagType, MessageType, parseFlv } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { freePort } from '@tributary/test-kit';
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
  singleNumber,
  sleep,
  writeResults,
} from './lib/bench-kit.mjs';
import { edgeDir } from './lib/paths.mjs';

const option = argvOptions();
const fail = failer('rtmps-bench');
// A --viewers list meant for run-bench.mjs is not ours (singleNumber); --rtmps-viewers wins.
const VIEWERS = Number(
  option('--rtmps-viewers', undefined) ?? singleNumber(option('--viewers', '')) ?? '300',
);
const SECONDS = Number(option('--rtmps-seconds', undefined) ?? singleNumber(option('--seconds', '')) ?? '20');
/** Viewers are started over this long (at most 50 connects in flight), so handshakes do not all land in one tick. */
const RAMP_MS = Math.min(10_000, Math.max(1000, VIEWERS * 15));
const SETTLE_MS = 4000;
const FULL_RATE = 0.9;

if (!Number.isInteger(VIEWERS) || VIEWERS < 1) fail('--viewers must be a whole number ≥ 1');
if (!(SECONDS >= 2)) fail('--seconds must be at least 2');
const { work, clip, outDir } = liveBenchSetup('rtmps', option, fail);

const require = createRequire(import.meta.url);
const { selfSignedCertificate } = require(join(edgeDir, 'dist/src/rtmps/self-signed-cert.js'));
const { FakeControlPlane } = require(join(edgeDir, 'dist/test/support/fake-control-plane.js'));

// The clip's media payload rate: what a viewer at full rate receives per second.
const tags = parseFlv(readFileSync(clip)).filter((t) => t.type !== FlvTagType.ScriptData);
const clipSeconds = (tags.at(-1).timestampMs - tags[0].timestampMs) / 1000;
const payloadPerSecond = tags.reduce((n, t) => n + t.payload.length, 0) / clipSeconds;

const cert = selfSignedCertificate({ commonName: 'bench', altNames: ['localhost', '127.0.0.1'], days: 1 });
const certFile = join(work, 'rtmps-bench-cert.pem');
const keyFile = join(work, 'rtmps-bench-key.pem');
writeFileSync(certFile, cert.certPem);
writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });

const results = {
  viewers: VIEWERS,
  seconds: SECONDS,
  clip,
  clipPayloadKbps: Math.round((payloadPerSecond * 8) / 1000),
  node: process.version,
  cpu: {},
};
const cleanups = [];
process.on('SIGINT', () => void runCleanups().then(() => process.exit(130)));

try {
  const api = new FakeControlPlane();
  api.allow('benchkey', { playbackId: 'bench', playbackPolicy: 'public', cacheTtlSeconds: 30 });
  const apiUrl = await api.start();
  cleanups.push(() => api.stop());
  const rtmpsPort = await freePort();
  const { edge, rtmpPort } = await startBenchEdge(apiUrl, api.credential, {
    RTMPS_PORT: String(rtmpsPort),
    RTMPS_CERT_FILE: certFile,
    RTMPS_KEY_FILE: keyFile,
  });
  cleanups.unshift(async () => {
    if (edge.exitCode !== null || edge.signalCode !== null) return;
    const exited = new Promise((r) => edge.once('exit', r));
    edge.kill('SIGTERM');
    await exited;
  });
  const publisher = spawn(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv'].concat(
      `rtmp://127.0.0.1:${rtmpPort}/live/benchkey`,
    ),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  cleanups.unshift(() => publisher.kill('SIGKILL'));
  await sleep(3000);
  if (publisher.exitCode !== null)
    throw new Error(`ffmpeg exited (${publisher.exitCode}) instead of publishing`);

  const baseline = await measure(edge.pid, SECONDS, []);
  results.cpu.baseline = { cpuCores: round(baseline.cpu, 3), rssMiB: round(baseline.rss / 1048576, 1) };
  log(`publisher only: ${pct(baseline.cpu)} of a core, RSS ${mib(baseline.rss)}`);

  for (const [name, url, tls] of [
    ['rtmp', `rtmp://127.0.0.1:${rtmpPort}/live`, undefined],
    ['rtmps', `rtmps://127.0.0.1:${rtmpsPort}/live`, { rejectUnauthorized: false, servername: 'localhost' }],
  ]) {
    const load = await underLoad(edge.pid, url, tls, baseline);
    results.cpu[name] = load;
    log(
      `${name.toUpperCase()} x${VIEWERS}: ${pct(load.cpuCores)} of a core, ${load.msPerViewerSecond ?? 'invalid'} ms CPU per viewer-second, connect ${load.connectCpuMsPerViewer} ms CPU per viewer, RSS ${load.rssMiB} MiB${load.valid ? '' : ` (${load.invalidBecause})`}`,
    );
    await sleep(3000);
  }
  const { rtmp, rtmps } = results.cpu;
  if (rtmp.valid && rtmps.valid) {
    results.cpu.rtmpsToRtmp = round(rtmps.msPerViewerSecond / Math.max(rtmp.msPerViewerSecond, 1e-6), 2);
    results.cpu.connectRtmpsToRtmp = round(
      rtmps.connectCpuMsPerViewer / Math.max(rtmp.connectCpuMsPerViewer, 1e-6),
      2,
    );
  }
} finally {
  await runCleanups();
}

writeResults(outDir, 'rtmps', results, report(results));
process.stdout.write(report(results));
log(`results in ${outDir}`);

// --- load and measurement ------------------------------------------------------------------------

/** N viewers at `url` (ramped), settle, measure a window, stop them; CPU per viewer beside `baseline`. */
async function underLoad(pid, url, tls, baseline) {
  const viewers = [];
  const cpu0 = readCpu(pid);
  const t0 = performance.now();
  const inFlight = new Set();
  for (let n = 0; n < VIEWERS; n++) {
    while (inFlight.size >= 50) await Promise.race(inFlight);
    const v = startViewer(url, tls);
    viewers.push(v);
    const p = v.ready.finally(() => inFlight.delete(p));
    inFlight.add(p);
    await sleep(RAMP_MS / VIEWERS);
  }
  await Promise.all(inFlight);
  // CPU while connecting (RTMP + TLS handshakes, connect/play, GOP cache), less the publisher's share.
  const connectSeconds = (performance.now() - t0) / 1000;
  const connectCpu = readCpu(pid) - cpu0 - baseline.cpu * connectSeconds;
  await sleep(SETTLE_MS);
  const before = viewers.map((v) => v.bytes);
  const m = await measure(pid, SECONDS, viewers);
  const received = viewers.map((v, i) => v.bytes - before[i]);
  for (const v of viewers) v.stop();
  const failed = viewers.filter((v) => v.error !== undefined);
  const expected = payloadPerSecond * m.seconds;
  const ratios = received.map((b) => b / expected).sort((x, y) => x - y);
  const below = ratios.filter((r) => r < FULL_RATE).length;
  const valid = below === 0 && failed.length === 0;
  const extra = Math.max(0, m.cpu - baseline.cpu);
  return {
    valid,
    invalidBecause: valid
      ? undefined
      : `${below} of ${VIEWERS} viewers received less than ${FULL_RATE} of the clip's payload rate (min ${round(ratios[0] ?? 0, 3)}), ${failed.length} failed${failed[0] ? ` (first: ${failed[0].error})` : ''}`,
    cpuCores: round(m.cpu, 3),
    msPerViewerSecond: valid ? round((extra / VIEWERS) * 1000, 3) : null,
    viewersPerCore: valid ? Math.round(VIEWERS / Math.max(extra, 1e-6)) : null,
    connectSeconds: round(connectSeconds, 1),
    connectCpuMsPerViewer: round((Math.max(0, connectCpu) / VIEWERS) * 1000, 2),
    rssMiB: round(m.rss / 1048576, 1),
    clientErrors: failed.length,
    receivedRatioMin: round(ratios[0] ?? 0, 3),
    receivedRatioP50: round(ratios[Math.floor(ratios.length / 2)] ?? 0, 3),
  };
}

/** One player (rtmp-core's client): counts the media payload bytes it receives. */
function startViewer(url, tls) {
  const client = new RtmpClient({ url, timeoutMs: 20_000, tls });
  const v = {
    bytes: 0,
    error: undefined,
    stopped: false,
    stop() {
      v.stopped = true;
      client.close();
    },
  };
  v.ready = (async () => {
    try {
      await client.connect();
      const stream = await client.createStream();
      stream.on('media', (m) => {
        if (m.typeId === MessageType.Video || m.typeId === MessageType.Audio) v.bytes += m.payload.length;
      });
      client.on('close', () => {
        if (!v.stopped) v.error ??= 'closed by the edge';
      });
      await client.play('bench', { stream });
    } catch (err) {
      v.error = err instanceof Error ? err.message : String(err);
    }
  })();
  return v;
}

async function measure(pid, seconds) {
  const cpu0 = readCpu(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  return { cpu: (readCpu(pid) - cpu0) / elapsed, rss: readRss(pid), seconds: elapsed };
}

// --- report --------------------------------------------------------------------------------------

function report(r) {
  const row = (name, x) =>
    x.valid
      ? `| ${name} | ${x.cpuCores} | ${x.msPerViewerSecond} | ${x.viewersPerCore} | ${x.connectCpuMsPerViewer} | ${x.rssMiB} | ${x.receivedRatioMin} |`
      : `| ${name} | ${x.cpuCores} | invalid: ${x.invalidBecause} | | ${x.connectCpuMsPerViewer} | ${x.rssMiB} | ${x.receivedRatioMin} |`;
  return [
    `# RTMPS beside RTMP: ${r.viewers} viewers, ${r.seconds} s window`,
    '',
    `Clip ${r.clip} (${r.clipPayloadKbps} kbit/s of media payload), node ${r.node}. Publisher alone: ${r.cpu.baseline?.cpuCores} cores, RSS ${r.cpu.baseline?.rssMiB} MiB.`,
    '',
    '| viewers over | edge CPU (cores) | ms CPU per viewer-second | viewers per core | connect: ms CPU per viewer | RSS MiB | min received ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    r.cpu.rtmp ? row('RTMP', r.cpu.rtmp) : '| RTMP | not run |',
    r.cpu.rtmps ? row('RTMPS (TLS)', r.cpu.rtmps) : '| RTMPS | not run |',
    '',
    r.cpu.rtmpsToRtmp === undefined
      ? 'No ratio: a run was invalid.'
      : `RTMPS costs ${r.cpu.rtmpsToRtmp}x the CPU of RTMP per viewer while playing, ${r.cpu.connectRtmpsToRtmp}x to connect.`,
    '',
  ].join('\n');
}

// --- helpers -------------------------------------------------------------------------------------

async function runCleanups() {
  while (cleanups.length > 0) {
    try {
      await cleanups.shift()();
    } catch {}
  }
}

function log(msg) {
  process.stderr.write(`[rtmps-bench] ${msg}\n`);
}
