// What the edge's bench scripts share: their command line, their work folder and clip, their result
// folders, and reading a process's CPU and RSS from /proc. One place for each, so the benches measure
// and report alike.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchDir, edgeDir } from './paths.mjs';

/** Clock ticks per second: the unit of /proc/<pid>/stat's CPU times. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

/** CPU seconds (user + system) process `pid` has used so far. */
export function readCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), counted from after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size of process `pid`, in bytes. */
export function readRss(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** `option('--name', default)`: the word after `--name` on the command line, or the default. */
export function argvOptions(args = process.argv.slice(2)) {
  return (name, def) => {
    const i = args.indexOf(name);
    return i < 0 ? def : args[i + 1];
  };
}

/**
 * `value` when it is a single whole number, else undefined. `npm run bench -- …` hands its arguments to
 * the last script of its chain, whichever that is: a --viewers list meant for run-bench.mjs (0,1,100,…)
 * is not a bench's own count.
 */
export function singleNumber(value) {
  return typeof value === 'string' && /^\d+$/.test(value) ? value : undefined;
}

/** `fail(message)`: says what went wrong on stderr, as `<name>: <message>`, and exits 1. */
export function failer(name) {
  return (message) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(1);
  };
}

/**
 * A new folder for this run's results, bench/results/<ISO time>-<name> (not made yet); `fail`s when it
 * is there already: a run never overwrites another.
 */
export function resultsDir(name, fail) {
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const dir = join(benchDir, 'results', `${stamp}-${name}`);
  if (existsSync(dir)) fail(`${dir} exists: a run never overwrites another`);
  return dir;
}

/** Writes `<base>.json` (the results) and `<base>.md` (the report) into `dir`, making it. */
export function writeResults(dir, base, results, md) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md`), md);
}

/** The folder the benches keep their clip and scratch files in (--work, BENCH_WORK). */
export function workDir(option) {
  const work = resolve(option('--work', process.env.BENCH_WORK ?? '/tmp/tributary-edge-bench'));
  mkdirSync(work, { recursive: true });
  return work;
}

/**
 * The live benches' set-up: a build to run (dist/src/main.js), the work folder, the clip (--clip, else
 * made once in the work folder), and a new result folder named `name`.
 */
export function liveBenchSetup(name, option, fail) {
  if (!existsSync(join(edgeDir, 'dist/src/main.js'))) fail('build first: npm run build');
  const work = workDir(option);
  const clip = option('--clip', join(work, 'clip.flv'));
  const outDir = resultsDir(name, fail);
  if (!existsSync(clip)) makeClip(clip, fail);
  return { work, clip, outDir };
}

/**
 * The edge benches' clip (the shared harness's anchors/make-clip.sh): 1280x720 30 fps, GOP 2 s,
 * 2.5 Mbit/s H.264 + AAC 128 kbit/s, 60 s, FLV.
 */
export function makeClip(file, fail) {
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

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** `x` rounded to `digits` decimals. */
export function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Cores as a percentage of one core, for logs and reports. */
export function pct(cores) {
  return `${(cores * 100).toFixed(1)} %`;
}

/** Bytes as whole MiB, for logs and reports. */
export function mib(bytes) {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}
