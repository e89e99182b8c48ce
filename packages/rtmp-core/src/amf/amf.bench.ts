/**
 * AMF codec speed (run: node dist/src/amf/amf.bench.js). Prints one JSON line per
 * measurement. docs/reliability.md: amf-fuzz's "each input < 50 ms" is checked here, not in tests.
 */
import { performance } from 'node:perf_hooks';
import { AmfError, decodeAmf0, encodeAmf0 } from './index';
import { FFMPEG_CONNECT_BODY_HEX } from './testdata/ffmpeg-connect';
import { MAX_FUZZ_BYTES, xorshiftBytes } from './testing/fuzz-bytes';

/** Runs `fn` for about `ms` milliseconds and returns operations per second. */
function opsPerSecond(fn: () => void, ms = 500): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

const connect = Buffer.from(FFMPEG_CONNECT_BODY_HEX, 'hex');
const connectValues = decodeAmf0(connect);
console.log(
  JSON.stringify({
    bench: 'amf0.decode ffmpeg connect',
    opsPerSecond: opsPerSecond(() => decodeAmf0(connect)),
  }),
);
console.log(
  JSON.stringify({
    bench: 'amf0.encode ffmpeg connect',
    opsPerSecond: opsPerSecond(() => encodeAmf0(connectValues)),
  }),
);

/** The slowest of 5 000 random inputs of 0..64 KiB (docs/reliability.md: amf-fuzz). */
const inputs = Array.from({ length: 5000 }, (_, i) =>
  xorshiftBytes(((i * 7919) % MAX_FUZZ_BYTES) + 1, i + 1),
);
let worst = 0;
for (const input of inputs) {
  const start = performance.now();
  try {
    decodeAmf0(input);
  } catch (err) {
    if (!(err instanceof AmfError)) throw err;
  }
  worst = Math.max(worst, performance.now() - start);
}
console.log(
  JSON.stringify({
    bench: 'amf0.decode worst of 5000 random inputs <= 64 KiB',
    ms: Number(worst.toFixed(3)),
  }),
);

/** The largest legal nesting and the hostile vectors (docs/reliability.md: amf-work-bound). */
const deep = Buffer.from(`${'0a00000001'.repeat(64)}05`, 'hex');
console.log(
  JSON.stringify({
    bench: 'amf0.decode 64-deep strict arrays',
    opsPerSecond: opsPerSecond(() => decodeAmf0(deep)),
  }),
);
const hugeArray = Buffer.concat([Buffer.from('0affffffff', 'hex'), Buffer.alloc(10)]);
console.log(
  JSON.stringify({
    bench: 'amf0.reject strict array of 2^32-1 in 15 bytes',
    opsPerSecond: opsPerSecond(() => {
      try {
        decodeAmf0(hugeArray);
      } catch (err) {
        if (!(err instanceof AmfError)) throw err;
      }
    }),
  }),
);
