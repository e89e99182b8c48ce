/** Media codec speed (run: node dist/src/media/media.bench.js). Prints one JSON line per measurement. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  encodeFlvTag,
  FlvReader,
  FlvTagType,
  parseAvcDecoderConfigurationRecord,
  parseFlv,
  parseH264Sps,
  parseVideoTagHeader,
} from './index';

function opsPerSecond(fn: () => void, ms = 500): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

const file = readFileSync(join(__dirname, '..', '..', '..', 'src', 'media', 'fixtures', 'h264-aac.flv'));
const tags = parseFlv(file);
const video = tags.filter((t) => t.type === FlvTagType.Video);
const frame = video[1]?.payload ?? Buffer.alloc(0);
const seq = video[0]?.payload ?? Buffer.alloc(0);

const fileOps = opsPerSecond(() => parseFlv(file));
console.log(
  JSON.stringify({
    bench: 'flv.parse whole file',
    opsPerSecond: fileOps,
    mibPerSecond: Number(((fileOps * file.length) / 2 ** 20).toFixed(1)),
  }),
);

/** Network-sized pushes: 1 460-byte TCP segments. */
const SEGMENT = 1460;
const segOps = opsPerSecond(() => {
  const r = new FlvReader();
  for (let i = 0; i < file.length; i += SEGMENT) r.push(file.subarray(i, i + SEGMENT));
});
console.log(
  JSON.stringify({
    bench: 'flv.reader 1460-byte pushes',
    mibPerSecond: Number(((segOps * file.length) / 2 ** 20).toFixed(1)),
  }),
);

const payload = Buffer.alloc(64 * 1024);
console.log(
  JSON.stringify({
    bench: 'flv.encodeTag 64 KiB (zero-copy)',
    opsPerSecond: opsPerSecond(() => encodeFlvTag(FlvTagType.Video, 1000, payload)),
  }),
);
console.log(
  JSON.stringify({
    bench: 'video.parseTagHeader coded frame',
    opsPerSecond: opsPerSecond(() => parseVideoTagHeader(frame)),
  }),
);
console.log(
  JSON.stringify({
    bench: 'avc.record + sps',
    opsPerSecond: opsPerSecond(() => {
      const h = parseVideoTagHeader(seq);
      const sps = parseAvcDecoderConfigurationRecord(seq.subarray(h.payloadOffset)).sps[0];
      if (sps) parseH264Sps(sps);
    }),
  }),
);
