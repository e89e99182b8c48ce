#!/usr/bin/env node
// The one test runner every package uses: Node's built-in test runner over the
// compiled test files of the package (tsc emits them to dist/).
//
//   node ../../scripts/run-tests.mjs [unit|integration|all] [--filter <substring>]
//
// unit        = dist/src/**/*.test.js   (specs beside the code, no sockets or peers)
// integration = dist/test/**/*.test.js  (real sockets, ffmpeg, Postgres, Chromium)
//
// Prints the spec reporter to stdout and writes .test-results/summary-<kind>.json (the counts
// of all its runs, from scripts/summary-reporter.mjs), which the root `npm test`
// (scripts/test.mjs) adds up into one closing line.
//
// A run can never hang:
// - every test file has a deadline (TEST_FILE_TIMEOUT_MS; 5 min for a unit file, 15 min for an
//   integration file): node's runner fails the file and kills its process when it passes
//   (--test-timeout), and --test-force-exit ends a file whose tests are done but whose handles
//   (a socket, a timer) would keep it alive;
// - a watchdog here kills the whole process tree of a `node --test` run that outlives its files'
//   deadlines plus a grace period (a child ignoring signals, a grandchild holding the pipes), and
//   counts every file it did not finish as failed.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const kind = args.find((a) => ['unit', 'integration', 'all'].includes(a)) ?? 'all';
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : process.env.TEST_FILTER;
const cwd = process.cwd();
const here = fileURLToPath(new URL('.', import.meta.url));

/** Deadline of one test file, unless TEST_FILE_TIMEOUT_MS says otherwise (above the longest suite timeout, 10 min). */
const FILE_TIMEOUT_MS = { unit: 300_000, integration: 900_000 };
/** How long the watchdog lets node's own timeout and teardown work before it kills the tree. */
const WATCHDOG_GRACE_MS = Number(process.env.TEST_WATCHDOG_GRACE_MS ?? 15_000);
/** Unit files are independent and run in parallel, this many at a time. */
const UNIT_CONCURRENCY = 4;

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

const resultsDir = join(cwd, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const summaryFile = join(resultsDir, `summary-${kind}.json`);
const total = { pass: 0, fail: 0, skip: 0, todo: 0, files: 0, failures: [] };

/** pid -> { ppid, start } of every process, from /proc (start: clock ticks after boot, field 22). */
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(fields[1]), start: fields[19] });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

/**
 * The process tree of one `node --test` run, remembered while it runs (polled from /proc), so that a
 * grandchild whose parent died (re-parented to init, or in its own process group) is still found and
 * killed when the run ends. A remembered pid is only killed while its start time still matches.
 */
class ProcessTree {
  constructor(child) {
    this.child = child;
    this.seen = new Map();
    this.poll = setInterval(() => this.scan(), 1000);
  }

  scan() {
    const table = processTable();
    const queue = [this.child.pid, ...this.seen.keys()];
    while (queue.length > 0) {
      const parent = queue.shift();
      for (const [pid, { ppid, start }] of table) {
        if (ppid === parent && !this.seen.has(pid)) {
          this.seen.set(pid, start);
          queue.push(pid);
        }
      }
    }
    return table;
  }

  /** SIGKILLs the run's process group and every process of its tree still alive. */
  kill() {
    clearInterval(this.poll);
    const table = this.scan();
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // group already gone
    }
    for (const [pid, start] of this.seen) {
      if (table.get(pid)?.start !== start) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

let running;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    running?.kill();
    process.exit(1);
  });
}

/**
 * One `node --test` run over `batch` with its own summary file, in its own process group, under the
 * watchdog. Adds its counts to `total`; a run the watchdog had to kill, or one that failed without a
 * failing test in its summary (a crash before any test ran), counts as failed.
 */
function runBatch(batch, concurrency, fileTimeoutMs, index) {
  const batchSummary = join(resultsDir, `.batch-${kind}-${index}.json`);
  rmSync(batchSummary, { force: true });
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${fileTimeoutMs}`,
      '--test-force-exit',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${resolve(here, 'summary-reporter.mjs')}`,
      // It writes TEST_SUMMARY_FILE itself and prints nothing.
      '--test-reporter-destination=stderr',
      ...batch,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TEST_KIND: kind, TEST_SUMMARY_FILE: batchSummary },
      detached: true,
    },
  );
  const tree = new ProcessTree(child);
  running = tree;
  const budgetMs = fileTimeoutMs * Math.ceil(batch.length / concurrency) + WATCHDOG_GRACE_MS;
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    console.log(
      `\nrun-tests: ${batch.map((f) => relative(cwd, f)).join(', ')} still running after ${budgetMs} ms ` +
        `(file deadline ${fileTimeoutMs} ms); killing its process tree`,
    );
    tree.kill();
  }, budgetMs);
  return new Promise((resolveBatch) => {
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      running = undefined;
      // Whatever the run left behind (a peer it spawned and never reaped) goes with it.
      tree.kill();
      let counts = null;
      try {
        counts = JSON.parse(readFileSync(batchSummary, 'utf8'));
      } catch {
        counts = null;
      }
      rmSync(batchSummary, { force: true });
      if (counts) {
        total.pass += counts.pass ?? 0;
        total.fail += counts.fail ?? 0;
        total.skip += counts.skip ?? 0;
        total.todo += counts.todo ?? 0;
        total.failures.push(...(counts.failures ?? []));
      }
      total.files += batch.length;
      const failedWithoutTest = (code !== 0 || signal !== null) && (counts?.fail ?? 0) === 0;
      if (killed || !counts || failedWithoutTest) {
        const why = killed
          ? `killed by the runner's watchdog after ${budgetMs} ms`
          : `node --test ended with ${signal ?? `exit code ${code}`} without a failing test`;
        total.fail += 1;
        total.failures.push(`${batch.map((f) => relative(cwd, f)).join(', ')} :: ${why}`);
      }
      resolveBatch();
    });
  });
}

const roots = [];
if (kind === 'unit' || kind === 'all') roots.push(['unit', join(cwd, 'dist', 'src')]);
if (kind === 'integration' || kind === 'all') roots.push(['integration', join(cwd, 'dist', 'test')]);
let anyFile = false;
let batchIndex = 0;
for (const [group, root] of roots) {
  let files = findTests(root).sort();
  if (filter) files = files.filter((f) => f.includes(filter));
  if (files.length === 0) continue;
  anyFile = true;
  const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? FILE_TIMEOUT_MS[group]);
  if (group === 'unit') {
    await runBatch(files, Math.max(1, Math.min(UNIT_CONCURRENCY, files.length)), fileTimeoutMs, batchIndex++);
  } else {
    // Integration tests share ports, databases and child processes: one file at a time, each its
    // own run, so the watchdog can end one stuck file and the rest still run.
    for (const file of files) await runBatch([file], 1, fileTimeoutMs, batchIndex++);
  }
}

if (!anyFile) console.log(`no ${kind} test files under ${roots.map(([, r]) => relative(cwd, r)).join(', ')}`);
writeFileSync(summaryFile, `${JSON.stringify(total)}\n`);
process.exit(total.fail > 0 ? 1 : 0);
