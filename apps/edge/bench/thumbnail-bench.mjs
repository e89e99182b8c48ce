#!/usr/bin/env node
// `npm run bench:thumbnails` (apps/edge): what one thumbnail decode costs (issue 15).
//
//   npm run bench:thumbnails -- [--decodes 40] [--size 1280x720] [--width 640] [--decoders 1,2]
//
// The edge's FrameGrabber (dist/src/thumbnails) decodes the same input a live thumbnail is made from: a
// two-tag FLV (the H.264 sequence header and one keyframe of an ffmpeg testsrc2 clip at --size, x264
// veryfast) to a JPEG at most --width wide, --decodes times per pool size in --decoders, all requested
// at once (the pool queues them). Per pool size: decode latency from request to JPEG (p50, p99, queueing
// included), decodes per second, ffmpeg CPU per decode (this process's children's CPU time), JPEG bytes.
// Each run writes a new folder: bench/results/<ISO time>-thumbnails/summary.{json,md}.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { argvOptions, failer, resultsDir, round, workDir, writeResults } from './lib/bench-kit.mjs';
import { edgeDir } from './lib/paths.mjs';

const fail = failer('thumbnail-bench');
const option = argvOptions();
const decodes = Number(option('--decodes', '40'));
const size = option('--size', '1280x720');
const width = Number(option('--width', '640'));
const pools = option('--decoders', '1,2').split(',').map(Number);
if (!existsSync(join(edgeDir, 'dist/src/thumbnails/frame-grabber.js'))) fail('build first: npm run build');
const require = createRequire(import.meta.url);
const { FrameGrabber } = require(join(edgeDir, 'dist/src/thumbnails/frame-grabber.js'));
const { keyframeFlv } = require(join(edgeDir, 'dist/src/thumbnails/live-thumbnails.js'));
const { FlvReader } = require('@tributary/rtmp-core');
const outDir = resultsDir('thumbnails', fail);

// One GOP of a clip, as FLV; its first two video tags are the sequence header and the keyframe.
const work = workDir(option);
const clip = join(work, `thumbnail-${size}.flv`);
if (!existsSync(clip)) {
  const made = spawnSync('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`],
    ...['-frames:v', '1', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-an', clip],
  ]);
  if (made.status !== 0) fail(`ffmpeg could not make the clip: ${made.stderr}`);
}
const video = [];
const reader = new FlvReader();
for (const tag of reader.push(readFileSync(clip))) if (tag.type === 9) video.push({ payload: tag.payload });
if (video.length < 2) fail(`${clip}: expected a sequence header and a keyframe`);
const input = keyframeFlv(video[0], video[1]);

const quantile = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? 0;
};
/** CPU seconds of this process's waited-for children (the ffmpeg decoders): cutime + cstime, proc(5). */
const cpuOfChildren = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tck = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
  return (Number(f[13]) + Number(f[14])) / tck;
};

const logger = {
  warn() {},
  info() {},
  error() {},
  debug() {},
  child() {
    return logger;
  },
};
const runs = [];
for (const decoders of pools) {
  const grabber = new FrameGrabber({
    ffmpegPath: 'ffmpeg',
    decoders,
    maxQueued: decodes,
    timeoutMs: 30_000,
    maxBytes: 4 * 1024 * 1024,
    maxWidth: width,
    logger,
  });
  const cpu0 = cpuOfChildren();
  const started = performance.now();
  const latencies = [];
  let bytes = 0;
  await Promise.all(
    Array.from({ length: decodes }, async () => {
      const t0 = performance.now();
      const jpeg = await grabber.grab(input, 'flv');
      latencies.push(performance.now() - t0);
      bytes = jpeg.length;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuOfChildren() - cpu0;
  runs.push({
    decoders,
    decodes,
    latencyMs: { p50: round(quantile(latencies, 0.5), 0), p99: round(quantile(latencies, 0.99), 0) },
    decodesPerSecond: round(decodes / seconds, 1),
    ffmpegCpuMsPerDecode: round((cpu * 1000) / decodes, 0),
    jpegBytes: bytes,
    failures: grabber.stats.failures,
  });
}

const results = { size, width, inputBytes: input.length, runs };
const md = [
  `# Thumbnail decodes (${size} keyframe → JPEG ≤ ${width} wide, ${input.length} B of FLV in)`,
  '',
  '| decoders | decodes | p50 ms | p99 ms | decodes/s | ffmpeg CPU ms/decode | JPEG bytes | failures |',
  '|---|---|---|---|---|---|---|---|',
  ...runs.map(
    (r) =>
      `| ${r.decoders} | ${r.decodes} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.decodesPerSecond} | ${r.ffmpegCpuMsPerDecode} | ${r.jpegBytes} | ${r.failures} |`,
  ),
  '',
].join('\n');
writeResults(outDir, 'summary', results, md);
process.stdout.write(`${md}\n${outDir}\n`);
