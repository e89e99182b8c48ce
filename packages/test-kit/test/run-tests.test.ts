import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TempDir, tempDir } from '../src/fs/temp-dir';

/** The repository's test runner, the one every package's `test` scripts call. */
const RUNNER = resolve(__dirname, '..', '..', '..', '..', 'scripts', 'run-tests.mjs');
/** test-kit's built wait helpers, required by a fixture file. */
const WAITS = resolve(__dirname, '..', 'src', 'wait', 'until.js');

/** Deadline of each fixture file, and the watchdog's grace after it: short, so the run takes seconds. */
const FILE_TIMEOUT_MS = 1000;
const GRACE_MS = 800;

/**
 * Fixture test files, written as compiled tests are (dist/test/*.test.js), one per way a run used to
 * hang. Each is what a broken test looks like, not a test of this package.
 */
const FIXTURES: Record<string, string> = {
  'a-passes.test.js': `
    const { it } = require('node:test');
    it('passes', () => {});`,
  'b-stuck-wait.test.js': `
    const { it } = require('node:test');
    const { waitUntil } = require(${JSON.stringify(WAITS)});
    it('waits for a condition that never holds', () =>
      waitUntil(() => false, { what: 'the fixture condition', timeoutMs: 200 }));`,
  'c-never-ends.test.js': `
    const { it } = require('node:test');
    it('never settles', () => new Promise(() => setInterval(() => {}, 1000)));`,
  'd-keeps-handle.test.js': `
    const { it } = require('node:test');
    it('passes and leaves an interval running', () => { setInterval(() => {}, 1000); });`,
  'e-orphan.test.js': `
    const { it } = require('node:test');
    const { spawn } = require('node:child_process');
    const { writeFileSync } = require('node:fs');
    it('leaves a grandchild in its own process group and never settles', () => {
      const child = spawn('sleep', ['600'], { stdio: 'ignore', detached: true });
      writeFileSync(${JSON.stringify('PIDFILE')}, String(child.pid));
      return new Promise(() => {});
    });`,
  'f-freezes-runner.test.js': `
    const { it } = require('node:test');
    it('stops the node --test process above it', () => {
      process.kill(process.ppid, 'SIGSTOP');
      return new Promise(() => {});
    });`,
};

/** Whether `pid` is a live process (a zombie no one reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('scripts/run-tests.mjs never hangs', { timeout: 60_000 }, () => {
  let dir: TempDir;
  let run: { code: number | null; stdout: string };
  let summary: { pass: number; fail: number; files: number; failures: string[] };
  let orphanPid: number;

  before(async () => {
    dir = tempDir('run-tests-');
    const tests = join(dir.path, 'dist', 'test');
    mkdirSync(tests, { recursive: true });
    const pidFile = join(dir.path, 'orphan.pid');
    for (const [name, source] of Object.entries(FIXTURES))
      writeFileSync(join(tests, name), source.replace('"PIDFILE"', JSON.stringify(pidFile)));
    // As `npm test` starts it: not as a child of this test's own runner (NODE_TEST_CONTEXT).
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, [RUNNER, 'integration'], {
      cwd: dir.path,
      env: {
        ...env,
        TEST_FILTER: '',
        TEST_FILE_TIMEOUT_MS: String(FILE_TIMEOUT_MS),
        TEST_WATCHDOG_GRACE_MS: String(GRACE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('close', r));
    run = { code, stdout };
    summary = JSON.parse(readFileSync(join(dir.path, '.test-results', 'summary-integration.json'), 'utf8'));
    orphanPid = Number(readFileSync(pidFile, 'utf8'));
  });

  after(async () => {
    if (orphanPid && alive(orphanPid)) process.kill(orphanPid, 'SIGKILL');
    await dir?.remove();
  });

  const failure = (file: string): string | undefined => summary.failures.find((f) => f.includes(file));

  it('runs every file and fails the run', () => {
    assert.equal(summary.files, Object.keys(FIXTURES).length, run.stdout);
    assert.equal(run.code, 1);
    assert.equal(summary.pass, 2, 'the passing file and the one that kept a handle');
    assert.equal(summary.fail, 4, run.stdout);
  });

  it('fails a stuck wait within its own deadline, naming what it waited for', () => {
    const f = failure('b-stuck-wait');
    assert.ok(f, run.stdout);
    assert.match(f, /waits for a condition that never holds$/, 'a test failure, not a file timeout');
    assert.match(run.stdout, /timed out after 200 ms waiting for the fixture condition/);
  });

  it("kills a file that never ends at the file's deadline", () => {
    assert.match(failure('c-never-ends') ?? '', /test timed out after 1000ms/, run.stdout);
  });

  it('force-exits a file whose tests passed but whose handles would keep it alive', () => {
    assert.equal(failure('d-keeps-handle'), undefined, run.stdout);
  });

  it('kills what a file left behind, even a grandchild in its own process group', () => {
    assert.ok(failure('e-orphan'), run.stdout);
    assert.ok(orphanPid > 0);
    assert.equal(alive(orphanPid), false, `sleep ${orphanPid} still runs`);
  });

  it("kills the tree of a run that outlives its files' deadlines (watchdog)", () => {
    assert.match(failure('f-freezes-runner') ?? '', /killed by the runner's watchdog/, run.stdout);
    assert.match(run.stdout, /f-freezes-runner\.test\.js still running after 1800 ms/);
  });
});
