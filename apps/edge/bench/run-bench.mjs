#!/usr/bin/env node
// `npm run bench` (apps/edge): drives the shared RTMP viewer load harness (../shared/bench, see its
// README) against this edge, and with --anchors also against nginx-rtmp and Node-Media-Server in the
// same run, then prints one comparison table (report.mjs).
//
//   npm run bench -- [--anchors] [--work DIR] [any bench.mjs option, e.g. --viewers 0,1,100,500,1000]
//
// The edge runs as its own process (node dist/src/main.js, so its CPU and RSS are measured alone),
// authorised by the in-test control plane of test/support (one public stream). Requires a build
// (npm run build) and ffmpeg. Results: bench/results/<date>/{edge,nginx,nms}.{json,md,log}.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEdge } from './bench-edge.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const edgeDir = resolve(here, '..');
const harness = resolve(edgeDir, '../../../shared/bench');
const args = process.argv.slice(2);
const takeFlag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
};
const takeOption = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const [, value] = args.splice(i, 2);
  return value;
};
const withAnchors = takeFlag('--anchors');
const work = resolve(takeOption('--work', process.env.BENCH_WORK ?? '/tmp/tributary-edge-bench'));
const stamp = new Date().toISOString().slice(0, 10);
const outDir = join(here, 'results', stamp);
const clip = join(work, 'clip.flv');

if (!existsSync(join(harness, 'bench.mjs'))) fail(`the load harness is not at ${harness}`);
if (!existsSync(join(edgeDir, 'dist/src/main.js'))) fail('build first: npm run build');
mkdirSync(outDir, { recursive: true });
mkdirSync(work, { recursive: true });
if (!existsSync(clip)) run(join(harness, 'anchors/make-clip.sh'), [clip]);

const { FakeControlPlane } = await import(join(edgeDir, 'dist/test/support/fake-control-plane.js'));
const api = new FakeControlPlane();
api.allow('benchkey', { playbackId: 'bench', cacheTtlSeconds: 30 });
const apiUrl = await api.start();
const children = [];
const stopAll = async () => {
  for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
  await api.stop();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  const { edge, rtmpPort } = await startBenchEdge(apiUrl, api.credential);
  children.push(edge);
  const publisher = spawn(
    'ffmpeg',
    // The same publisher as the harness's anchors/publish.sh: the clip in a real-time loop, copied.
    [
      '-hide_banner',
      '-nostats',
      '-loglevel',
      'warning',
      '-nostdin',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      clip,
    ].concat(['-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/benchkey`]),
    { stdio: 'ignore' },
  );
  children.push(publisher);
  await new Promise((r) => setTimeout(r, 3000));
  const url = `rtmp://127.0.0.1:${rtmpPort}/live/bench`;
  run(process.execPath, [join(harness, 'probe.mjs'), '--url', url, '--seconds', '3']);
  const { version } = JSON.parse(readFileSync(join(edgeDir, 'package.json'), 'utf8'));
  run(process.execPath, [
    join(harness, 'bench.mjs'),
    '--url',
    url,
    '--server-pid',
    String(edge.pid),
    '--publisher-pid',
    String(publisher.pid),
    '--clip',
    clip,
    '--label',
    `tributary edge ${version} on node ${process.version}`,
    '--out',
    join(outDir, 'edge.json'),
    '--md',
    join(outDir, 'edge.md'),
    ...args,
  ]);
} finally {
  await stopAll();
}

const reports = [join(outDir, 'edge.json')];
if (withAnchors) {
  for (const anchor of ['nginx', 'nms']) {
    const prefix = join(outDir, anchor);
    const res = spawnSync(join(harness, 'anchors/run-anchor.sh'), [anchor, work, prefix, ...args], {
      stdio: 'inherit',
    });
    if (res.status === 0) reports.push(`${prefix}.json`);
    else process.stderr.write(`anchor ${anchor} did not run (see ${prefix}.log); comparing without it\n`);
  }
}
run(process.execPath, [join(harness, 'report.mjs'), ...reports]);

/** Runs a step to completion; throws (so the finally above still stops the edge) when it fails. */
function run(cmd, argv) {
  const res = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`${cmd} ${argv[0] ?? ''} exited with ${res.status}`);
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}
