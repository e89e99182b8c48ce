// Where the shared RTMP viewer load harness lives (a measuring instrument kept beside the repository,
// ../shared/bench from the repository root; see its README). BENCH_HARNESS overrides it.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const edgeDir = resolve(benchDir, '..');
export const harnessDir = resolve(process.env.BENCH_HARNESS ?? resolve(edgeDir, '../../../shared/bench'));
