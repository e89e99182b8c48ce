#!/usr/bin/env node
// `npm run bench` (apps/edge): drives the shared RTMP viewer load harness (../shared/bench, see its
// README) against this edge, and with --anchors also against nginx-rtmp and Node-Media-Server in the
// same run, and adds what the harness does not measure: added latency, publisher send -> viewer receive.
//
//   npm run bench -- [--anchors] [--only edge,nginx,...] [--work DIR] [--edge-env K=V,...]
//                    [--policies turn,adaptive,...] [--syscalls] [any bench.mjs option]
//   e.g. npm run bench -- --anchors --viewers 0,1,950 --window 15 --joins 5
//
// Every server gets the same publisher and the same latency probe:
// - lib/stamped-publisher.mjs publishes the harness's clip in a real-time loop (as its anchors/publish.sh
//   does with ffmpeg) and stamps its send time (CLOCK_MONOTONIC µs) into every video frame (an H.264 SEI
//   NAL unit, lib/latency-sei.mjs);
// - lib/latency-probe.mjs is one more viewer, playing for the whole run, that reads the stamp on receive;
//   its samples are taken in each step's measurement window (the harness's log says when the window
//   opens and closes). So the `0` step is one viewer (the probe) and step N is N + 1 viewers; the
//   harness's CPU per viewer-second, (CPU at N − CPU at 0) / N, is the cost of the N viewers it added.
// The edge runs as its own process (node dist/src/main.js, so its CPU and RSS are measured alone),
// authorised by the in-test control plane of test/support (one public stream). Requires a build
// (npm run build), ffmpeg, and for --anchors nginx + libnginx-mod-rtmp and node-media-server@4 in
// WORK/nms (harness README). Each run writes a new folder, never overwriting an earlier one:
// bench/results/<ISO time>/{edge,nginx,nms}.{json,md,log,latency.json}, summary.md, summary.json.
// --syscalls (needs perf and its syscall tracepoints, i.e. root) also counts each server's write-type
// system calls (write, writev, sendmsg, sendto) in each window: writes per viewer-second, beside the CPU.
// --only runs just the named servers of the list (edge-<policy>, nginx, nms).
import { fork, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startBenchEdge } from './bench-edge.mjs';
import { benchDir, edgeDir, harnessDir } from './lib/paths.mjs';

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
const peekOption = (name, def) => {
  const i = args.indexOf(name);
  return i < 0 ? def : args[i + 1];
};
const withAnchors = takeFlag('--anchors');
const work = resolve(takeOption('--work', process.env.BENCH_WORK ?? '/tmp/tributary-edge-bench'));
const edgeEnv = Object.fromEntries(
  takeOption('--edge-env', '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
// --policies turn,adaptive: the edge once per fan-out write policy (FANOUT_COALESCE), in the same run
const policies = takeOption('--policies', '').split(',').filter(Boolean);
const only = takeOption('--only', '').split(',').filter(Boolean);
const countSyscalls = takeFlag('--syscalls');
const WRITE_SYSCALLS = ['write', 'writev', 'sendmsg', 'sendto'];
const settleSec = Number(peekOption('--settle', '5'));
const outDir = join(
  benchDir,
  'results',
  new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z'),
);
const clip = join(work, 'clip.flv');

if (!existsSync(join(harnessDir, 'bench.mjs'))) fail(`the load harness is not at ${harnessDir}`);
if (!existsSync(join(edgeDir, 'dist/src/main.js'))) fail('build first: npm run build');
if (existsSync(outDir)) fail(`${outDir} exists: a run never overwrites another`);
mkdirSync(outDir, { recursive: true });
mkdirSync(work, { recursive: true });
if (!existsSync(clip)) run(join(harnessDir, 'anchors/make-clip.sh'), [clip]);
const { processTree, CLK_TCK } = await import(join(harnessDir, 'lib/proc.mjs'));
const { version } = JSON.parse(readFileSync(join(edgeDir, 'package.json'), 'utf8'));

const edgeLabel = (env) =>
  `tributary edge ${version} on node ${process.version}${
    Object.keys(env).length
      ? ` (${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')})`
      : ''
  }`;
// a policy may carry settings of its own: adaptive/FANOUT_MAX_HOLD_MS=1 is `adaptive` with that setting
const servers = (policies.length > 0 ? policies : [null]).map((item) => {
  const [policy, ...settings] = item ? item.split('/') : [];
  const own = Object.fromEntries(
    settings.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const env = policy ? { ...edgeEnv, ...own, FANOUT_COALESCE: policy } : edgeEnv;
  const name = item ? `edge-${item.replace(/[^\w-]+/g, '-')}` : 'edge';
  return { name, label: edgeLabel(env), start: () => startEdge(env) };
});
if (withAnchors) servers.push({ name: 'nginx', start: startNginx }, { name: 'nms', start: startNms });
if (only.length > 0) servers.splice(0, servers.length, ...servers.filter((s) => only.includes(s.name)));

const summary = { date: new Date().toISOString(), argv: process.argv.slice(2), edgeEnv, servers: [] };
for (const server of servers) {
  try {
    summary.servers.push(await measure(server));
  } catch (err) {
    process.stderr.write(`bench: ${server.name} did not run: ${err.message}\n`);
  }
}
writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 1));
const table = summaryTable(summary);
writeFileSync(join(outDir, 'summary.md'), table);
process.stdout.write(`\n${table}\n`);
const reports = summary.servers.map((s) => join(outDir, `${s.name}.json`));
if (reports.length > 0) {
  const rep = spawnSync(process.execPath, [join(harnessDir, 'report.mjs'), ...reports], { encoding: 'utf8' });
  writeFileSync(join(outDir, 'report.md'), rep.stdout);
  process.stdout.write(rep.stdout);
}
process.stdout.write(`results: ${outDir}\n`);

/** One server: start it, publish, probe, run the harness, stop everything that was started. */
async function measure(server) {
  const started = [];
  let probe = null;
  try {
    const { pid, url, label, stop } = await server.start();
    started.push(stop);
    const publisher = spawn(
      process.execPath,
      [join(benchDir, 'lib/stamped-publisher.mjs'), '--clip', clip, '--url', url.publish],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    started.push(() => publisher.exitCode === null && publisher.kill('SIGTERM'));
    await sleep(3000);
    if (publisher.exitCode !== null) throw new Error(`the publisher exited with ${publisher.exitCode}`);
    run(process.execPath, [join(harnessDir, 'probe.mjs'), '--url', url.play, '--seconds', '3'], {
      quiet: true,
    });
    probe = fork(join(benchDir, 'lib/latency-probe.mjs'), ['--url', url.play], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    started.push(() => probe.connected && probe.send({ cmd: 'exit' }));
    // The instrument must not add latency of its own: on a machine shared with other work, the probe's
    // wake-ups go first (nice -10, needs root; left as it is otherwise, and the summary says which).
    summary.probeNice = spawnSync('renice', ['-n', '-10', '-p', String(probe.pid)]).status === 0 ? -10 : 0;
    const ask = probeClient(probe);
    await sleep(1000);
    const latency = [];
    const log = createWriteStream(join(outDir, `${server.name}.log`));
    const bench = spawn(
      process.execPath,
      [
        join(harnessDir, 'bench.mjs'),
        ...['--url', url.play, '--server-pid', String(pid), '--publisher-pid', String(publisher.pid)],
        ...['--clip', clip, '--label', server.label ?? label],
        ...['--out', join(outDir, `${server.name}.json`), '--md', join(outDir, `${server.name}.md`)],
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // The harness logs "<label>: N viewers", "  ready in ...", then settles, measures, and logs
    // "  timing K late joiners" when the window closed: the probe's window is the same.
    let step = null;
    let windowTimer;
    let cpuAtStart = null;
    let syscalls = null;
    const pending = [];
    for await (const line of createInterface({ input: bench.stderr })) {
      log.write(`${line}\n`);
      process.stderr.write(`[${server.name}] ${line}\n`);
      const m = /: (\d+) viewers( \(|$)/.exec(line);
      if (m) step = Number(m[1]);
      else if (/^\[[\d:]+\]\s+ready in /.test(line)) {
        windowTimer = setTimeout(() => {
          cpuAtStart = cpuSplit(pid);
          if (countSyscalls) syscalls = startSyscallCount(pid);
          ask({ cmd: 'start' });
        }, settleSec * 1000);
      } else if (/^\[[\d:]+\]\s+timing \d+ late joiners/.test(line)) {
        clearTimeout(windowTimer);
        const viewers = step;
        const cpu = cpuSplit(pid);
        // user vs system (kernel) CPU of the server over the probe's window: where the per-viewer cost goes
        const split = cpuAtStart && {
          serverUserCores: round3((cpu.user - cpuAtStart.user) / ((cpu.t - cpuAtStart.t) / 1000)),
          serverSystemCores: round3((cpu.system - cpuAtStart.system) / ((cpu.t - cpuAtStart.t) / 1000)),
        };
        const counted = syscalls?.stop();
        syscalls = null;
        pending.push(
          Promise.all([ask({ cmd: 'stop' }), counted]).then(([r, writes]) =>
            latency.push({ viewers, ...r, ...split, ...(writes ? { writes } : {}) }),
          ),
        );
      }
    }
    await Promise.all(pending);
    const code = await new Promise((r) =>
      bench.exitCode !== null ? r(bench.exitCode) : bench.on('exit', r),
    );
    log.end();
    if (code !== 0) throw new Error(`bench.mjs exited with ${code} (see ${server.name}.log)`);
    writeFileSync(join(outDir, `${server.name}.latency.json`), JSON.stringify(latency, null, 1));
    const result = JSON.parse(readFileSync(join(outDir, `${server.name}.json`), 'utf8'));
    return { name: server.name, label: result.meta.label, steps: result.steps, latency };
  } finally {
    for (const stop of started.reverse()) await stop();
  }
}

/**
 * Counts the write-type system calls of `pid` and its descendants from now until `stop()`, with perf's
 * syscall tracepoints; `stop()` resolves to { perSecond, byCall } (null when perf could not count).
 */
function startSyscallCount(pid) {
  const t0 = performance.now();
  const events = WRITE_SYSCALLS.map((c) => `syscalls:sys_enter_${c}`).join(',');
  const perf = spawn('perf', ['stat', '-x', ',', '-e', events, '-p', processTree(pid).join(',')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  perf.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((r) => perf.on('close', r));
  perf.on('error', () => {});
  return {
    stop: async () => {
      const seconds = (performance.now() - t0) / 1000;
      perf.kill('SIGINT');
      await Promise.race([exited, sleep(5000)]);
      const byCall = {};
      for (const line of out.split('\n')) {
        const [count, , event] = line.split(',');
        const m = /sys_enter_(\w+)/.exec(event ?? '');
        if (m && /^\d+$/.test(count)) byCall[m[1]] = Number(count);
      }
      const total = Object.values(byCall).reduce((a, b) => a + b, 0);
      return Object.keys(byCall).length > 0
        ? { perSecond: round3(total / seconds), seconds: round3(seconds), byCall }
        : null;
    },
  };
}

/** User and system CPU seconds of `pid` and its descendants (nginx's worker), from /proc. */
function cpuSplit(pid) {
  let user = 0;
  let system = 0;
  for (const p of processTree(pid)) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      user += Number(f[11]) / CLK_TCK;
      system += Number(f[12]) / CLK_TCK;
    } catch {
      // exited
    }
  }
  return { user, system, t: performance.now() };
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function probeClient(child) {
  let seq = 0;
  const waiting = new Map();
  child.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return (msg) => {
    if (msg.cmd !== 'stop') return void child.send(msg);
    const id = ++seq;
    return new Promise((resolveReply, reject) => {
      const t = setTimeout(() => reject(new Error('the latency probe did not answer within 10 s')), 10_000);
      waiting.set(id, (m) => {
        clearTimeout(t);
        const { id: _id, ...rest } = m;
        resolveReply(rest);
      });
      child.send({ ...msg, id });
    });
  };
}

async function startEdge(env) {
  const { FakeControlPlane } = await import(join(edgeDir, 'dist/test/support/fake-control-plane.js'));
  const api = new FakeControlPlane();
  api.allow('benchkey', { playbackId: 'bench', cacheTtlSeconds: 30 });
  const apiUrl = await api.start();
  const { edge, rtmpPort } = await startBenchEdge(apiUrl, api.credential, env);
  return {
    pid: edge.pid,
    url: {
      publish: `rtmp://127.0.0.1:${rtmpPort}/live/benchkey`,
      play: `rtmp://127.0.0.1:${rtmpPort}/live/bench`,
    },
    stop: async () => {
      await stopChild(edge);
      await api.stop();
    },
  };
}

async function startNginx() {
  const port = Number(process.env.NGINX_PORT ?? 19451);
  const runDir = join(work, 'run-nginx');
  const res = spawnSync(join(harnessDir, 'anchors/start-nginx-rtmp.sh'), [runDir, String(port)], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`nginx-rtmp did not start: ${res.stderr}`);
  const pid = Number(res.stdout.trim());
  await waitPort(port);
  const v = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/.*nginx\//, '');
  const mod = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libnginx-mod-rtmp'], {
    encoding: 'utf8',
  }).stdout;
  const url = `rtmp://127.0.0.1:${port}/live/bench`;
  return {
    pid,
    label: `nginx ${v} + libnginx-mod-rtmp ${mod}`,
    url: { publish: url, play: url },
    stop: () => killPid(pid),
  };
}

async function startNms() {
  const port = Number(process.env.NMS_PORT ?? 19452);
  const nmsDir = process.env.NMS_DIR ?? join(work, 'nms');
  const nmsPkg = join(nmsDir, 'node_modules/node-media-server/package.json');
  if (!existsSync(nmsPkg)) throw new Error(`node-media-server is not installed in ${nmsDir}`);
  const child = spawn(
    process.execPath,
    [
      join(harnessDir, 'anchors/start-nms.mjs'),
      '--nms-dir',
      nmsDir,
      '--port',
      String(port),
      '--data',
      join(work, 'run-nms/data'),
    ],
    { stdio: 'ignore' },
  );
  await waitPort(port);
  const { version: nmsVersion } = JSON.parse(readFileSync(nmsPkg, 'utf8'));
  const url = `rtmp://127.0.0.1:${port}/live/bench`;
  return {
    pid: child.pid,
    label: `node-media-server ${nmsVersion} on node ${process.version}`,
    url: { publish: url, play: url },
    stop: () => stopChild(child),
  };
}

function summaryTable(s) {
  const f = (x, d = 0) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
  const lines = [
    `Run ${s.date}, harness options \`${s.argv.join(' ')}\`. Latency: publisher send → viewer receive of every video frame, ` +
      'read from the in-band clock by one probe viewer that plays through every step (so step N has N + 1 viewers; ' +
      `the 0 step is the probe alone; probe nice ${s.probeNice ?? 0}). CPU per viewer-second: (server CPU at N − at 0) / N; ` +
      "user / system: the server's CPU in the probe's window, in cores. Writes per viewer-second (--syscalls): the server's " +
      'write, writev, sendmsg and sendto calls in that window / (N + 1).',
    '',
    '| server | viewers (+ probe) | server CPU (cores) | user / system | µs CPU per viewer-second | writes per viewer-second | full-rate / dropped | added latency p50 / p99 / max (ms) | frames sampled |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const srv of s.servers) {
    const base = srv.steps.find((x) => x.viewers === 0)?.server.cpuCores ?? null;
    for (const st of srv.steps) {
      const per =
        base !== null && st.viewers > 0 && st.server.cpuCores !== null
          ? ((st.server.cpuCores - base) / st.viewers) * 1e6
          : null;
      const lat = srv.latency.find((l) => l.viewers === st.viewers);
      lines.push(
        `| ${srv.label} | ${st.viewers} | ${f(st.server.cpuCores, 3)} | ${f(lat?.serverUserCores, 3)} / ${f(lat?.serverSystemCores, 3)} | ${st.viewers >= 50 ? f(per) : '–'} | ` +
          `${lat?.writes && st.viewers > 0 ? f(lat.writes.perSecond / (st.viewers + 1), 1) : '–'} | ` +
          `${st.viewers ? `${st.healthy}/${st.viewers} / ${st.droppedInStep}` : '–'} | ` +
          `${lat ? `${f(lat.p50Ms, 1)} / ${f(lat.p99Ms, 1)} / ${f(lat.maxMs, 1)}` : '–'} | ${lat?.frames ?? '–'} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function waitPort(port) {
  const net = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open within 10 s`);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
}

async function killPid(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a step to completion; throws (so the caller still stops what it started) when it fails. */
function run(cmd, argv, { quiet = false } = {}) {
  const res = spawnSync(cmd, argv, { stdio: quiet ? 'ignore' : 'inherit' });
  if (res.status !== 0) throw new Error(`${cmd} ${argv[0] ?? ''} exited with ${res.status}`);
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}
