#!/usr/bin/env node
// The one test runner every package uses: Node's built-in test runner over the
// compiled test files of the package (tsc emits them to dist/).
//
//   node ../../scripts/run-tests.mjs [unit|integration|all] [--filter <substring>]
//
// unit        = dist/src/**/*.test.js   (specs beside the code, no sockets or peers)
// integration = dist/test/**/*.test.js  (real sockets, ffmpeg, Postgres, Chromium)
//
// Prints the spec reporter to stdout and writes .test-results/summary.json, which
// the root `npm test` (scripts/test.mjs) adds up into one closing line.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const kind = args.find((a) => ['unit', 'integration', 'all'].includes(a)) ?? 'all';
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : process.env.TEST_FILTER;
const cwd = process.cwd();
const here = fileURLToPath(new URL('.', import.meta.url));

function findTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out = out.concat(findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const roots = [];
if (kind === 'unit' || kind === 'all') roots.push(join(cwd, 'dist', 'src'));
if (kind === 'integration' || kind === 'all') roots.push(join(cwd, 'dist', 'test'));
let files = roots.flatMap(findTests).sort();
if (filter) files = files.filter((f) => f.includes(filter));

const resultsDir = join(cwd, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const summaryFile = join(resultsDir, `summary-${kind}.json`);

if (files.length === 0) {
  console.log(`no ${kind} test files under ${roots.map((r) => relative(cwd, r)).join(', ')}`);
  writeFileSync(summaryFile, JSON.stringify({ pass: 0, fail: 0, skip: 0, todo: 0, files: 0 }));
  process.exit(0);
}

// Integration tests share ports, databases and child processes: run files one at
// a time. Unit files are independent and run in parallel.
const concurrency = kind === 'unit' ? String(Math.max(1, Math.min(4, files.length))) : '1';
const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${resolve(here, 'summary-reporter.mjs')}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, TEST_KIND: kind } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
