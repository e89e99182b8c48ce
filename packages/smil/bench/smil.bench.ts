/**
 * Throughput of the SMIL paths an edge runs per request: parse a ladder, render the
 * HLS multivariant playlist, pick a rendition, parse a large edge list, choose an edge.
 * Run with `npm run bench` (after a build). Numbers are for comparison between
 * commits on the same machine, not assertions.
 */
import { performance } from 'node:perf_hooks';
import {
  chooseEdge,
  type EdgeLoad,
  generateEdgeListSmil,
  generateMultiBitrateSmil,
  parseEdgeListSmil,
  parseMultiBitrateSmil,
  renderHlsMultivariant,
  selectRendition,
} from '../src/index';

function bench(name: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  const ms = performance.now() - start;
  const perOp = (ms * 1000) / iterations;
  console.log(
    `${name.padEnd(48)} ${Math.round(iterations / (ms / 1000))
      .toLocaleString('en-US')
      .padStart(10)} ops/s  ${perOp.toFixed(2)} µs/op`,
  );
}

const ladder = generateMultiBitrateSmil({
  title: 'bench',
  base: 'rtmp://edge1.example.com/live',
  renditions: [1080, 720, 540, 480, 360, 240].map((h, i) => ({
    src: `stream_${h}p`,
    systemBitrate: 6_000_000 >> i,
    width: Math.round((h * 16) / 9),
    height: h,
    videoCodecId: 'avc1.64001f',
    audioCodecId: 'mp4a.40.2',
  })),
});
const manifest = parseMultiBitrateSmil(ladder);
const edges = Array.from({ length: 1000 }, (_, i) => ({
  base: `rtmp://edge-${i}.example.com/live`,
  id: `edge-${i}`,
}));
const edgeXml = generateEdgeListSmil({ edges });
const loads = new Map<string, EdgeLoad>(
  edges.map((e, i) => [e.id, { healthy: i % 7 !== 0, connections: (i * 37) % 900, capacity: 1000 }]),
);

console.log(`ladder ${ladder.length} chars, edge list ${edgeXml.length} chars`);
bench('parseMultiBitrateSmil (6 renditions)', 20_000, () => parseMultiBitrateSmil(ladder));
bench('renderHlsMultivariant (6 renditions)', 50_000, () =>
  renderHlsMultivariant(manifest, { uriFor: (r) => `${r.src}.m3u8` }),
);
bench('selectRendition (6 renditions)', 1_000_000, () => selectRendition(manifest.renditions, 3_000_000));
bench('parseEdgeListSmil (1000 edges)', 200, () => parseEdgeListSmil(edgeXml));
bench('chooseEdge (1000 edges)', 5_000, () => chooseEdge(edges, loads));
