#!/usr/bin/env node
// On-demand HLS on one edge (issue 12), with the real api and a real edge process (test/support/
// control-plane): an ffmpeg MP4 (default 120 s of 1280x720 at 30 fps, 3 Mb/s, AAC) is uploaded, then the
// edge's playlist is fetched twice (cold: the file is read through the api and indexed; warm: from the
// index LRU) and every segment twice (cold: its blocks come from the api; warm: from the block cache, so
// only the mux remains). Reports latencies, bytes read from the api against the file's size, and the
// edge's vod metrics.
//
//   node bench/vod-hls-bench.mjs [--seconds 120] [--work DIR]
//
// Each run writes a new folder, bench/results/<ISO time>-vod/ (never overwriting one): summary.json and
// summary.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { failer, resultsDir, round, writeResults } from './lib/bench-kit.mjs';
import { edgeDir } from './lib/paths.mjs';

const { values: opt } = parseArgs({
  options: { seconds: { type: 'string', default: '120' }, work: { type: 'string' } },
});
const fail = failer('vod-hls-bench');
if (!existsSync(join(edgeDir, 'dist/test/support/control-plane.js'))) fail('build first: npm run build');
const { ControlPlane } = await import(join(edgeDir, 'dist/test/support/control-plane.js'));

const work = opt.work ?? mkdtempSync(join(tmpdir(), 'tributary-vod-bench-'));
mkdirSync(work, { recursive: true });
const mp4 = join(work, 'bench.mp4');
const seconds = Number(opt.seconds);
const made = spawnSync('ffmpeg', [
  ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
  ...['-f', 'lavfi', '-i', 'sine=sample_rate=48000', '-t', String(seconds), '-c:v', 'libx264'],
  ...['-preset', 'veryfast', '-g', '60', '-b:v', '3M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4],
]);
if (made.status !== 0) fail(`ffmpeg: ${made.stderr}`);

const ms = (since) => Number(process.hrtime.bigint() - since) / 1e6;
async function timed(url) {
  const since = process.hrtime.bigint();
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) fail(`${url}: HTTP ${res.status} ${body}`);
  return { ms: ms(since), bytes: body.length, body };
}
const quantile = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))];
};

const plane = await ControlPlane.start({ dir: work });
const out = {
  fileBytes: statSync(mp4).size,
  seconds,
  format: '1280x720 30 fps H.264 3 Mb/s + AAC, moov at the end',
};
try {
  const tenant = await plane.newTenant('bench');
  const edge = await plane.startEdge({ name: 'vod-bench' });
  const res = await plane.postAsset(tenant, readFileSync(mp4), 'bench.mp4');
  const asset = res.body;
  if (res.status !== 201) fail(`upload: ${res.status} ${JSON.stringify(asset)}`);
  const got = await plane.settledAsset(tenant, asset.id, { timeoutMs: 60_000 });
  if (got.status !== 'ready') fail(`asset: ${JSON.stringify(got)}`);
  const base = `${edge.http}/vod/${asset.playbackId}`;
  const cold = await timed(`${base}/index.m3u8`);
  const warm = await timed(`${base}/index.m3u8`);
  const segments = cold.body
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('seg-'));
  const first = [];
  const again = [];
  for (const s of segments) first.push(await timed(`${base}/${s}`));
  for (const s of segments) again.push(await timed(`${base}/${s}`));
  const metrics = await (await fetch(`${edge.http}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
  Object.assign(out, {
    segments: segments.length,
    playlistColdMs: round(cold.ms),
    playlistWarmMs: round(warm.ms),
    segmentColdMs: {
      p50: round(
        quantile(
          first.map((r) => r.ms),
          0.5,
        ),
      ),
      max: round(Math.max(...first.map((r) => r.ms))),
    },
    segmentWarmMs: {
      p50: round(
        quantile(
          again.map((r) => r.ms),
          0.5,
        ),
      ),
      max: round(Math.max(...again.map((r) => r.ms))),
    },
    segmentBytesP50: quantile(
      first.map((r) => r.bytes),
      0.5,
    ),
    apiReadBytes: metric('tributary_edge_vod_api_read_bytes_total'),
    cacheHits: metric('tributary_edge_vod_cache_hits_total'),
    cacheMisses: metric('tributary_edge_vod_cache_misses_total'),
    sentBytes: metric('tributary_edge_vod_sent_bytes_total'),
    cacheBytes: metric('tributary_edge_vod_cache_bytes'),
  });
} finally {
  await plane.stop();
  if (!opt.work) rmSync(work, { recursive: true, force: true });
}

const dir = resultsDir('vod', fail);
const md = `# On-demand HLS, one edge (${out.seconds} s, ${out.format})

| measure | value |
|---|---|
| file | ${out.fileBytes} bytes, ${out.segments} segments (~4 s) |
| playlist, cold (read through the api and indexed) | ${out.playlistColdMs} ms |
| playlist, warm (index LRU) | ${out.playlistWarmMs} ms |
| segment, cold (blocks from the api), p50 / max | ${out.segmentColdMs.p50} / ${out.segmentColdMs.max} ms |
| segment, warm (block cache; mux only), p50 / max | ${out.segmentWarmMs.p50} / ${out.segmentWarmMs.max} ms |
| segment size p50 | ${out.segmentBytesP50} bytes |
| bytes read from the api | ${out.apiReadBytes} (file: ${out.fileBytes}) |
| block cache hits / misses | ${out.cacheHits} / ${out.cacheMisses} |
| bytes sent to the player | ${out.sentBytes} |
`;
writeResults(dir, 'summary', out, md);
console.log(md);
console.log(`results: ${dir}`);
