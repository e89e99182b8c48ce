#!/usr/bin/env node
// `npm test`: builds and tests every workspace through Turborepo, then prints one
// closing line that adds up every package's node:test summary and names the database the
// tests ran on (DATABASE_URL set: that Postgres; unset: the in-process PGlite):
//   tests: N passed, N failed, N skipped (database: Postgres 127.0.0.1:5432)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which database the tests used, without credentials: host and port of DATABASE_URL, or PGlite. */
function databaseLabel(url) {
  if (!url) return 'PGlite, in-process';
  try {
    const u = new URL(url);
    return `Postgres ${u.hostname}:${u.port || '5432'}`;
  } catch {
    return 'Postgres (DATABASE_URL is not a URL)';
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
const workspaces = [
  ...['apps', 'packages'].flatMap((d) =>
    readdirSync(join(root, d), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, d, e.name, 'package.json')))
      .map((e) => join(root, d, e.name)),
  ),
  join(root, 'e2e'),
];
for (const ws of workspaces) rmSync(join(ws, '.test-results'), { recursive: true, force: true });

const extra = process.argv.slice(2);
const run = spawnSync(
  'npx',
  ['turbo', 'run', 'test', '--concurrency=1', '--continue', '--log-order=stream', ...extra],
  { cwd: root, stdio: 'inherit', env: process.env },
);

const total = { pass: 0, fail: 0, skip: 0, todo: 0 };
const failures = [];
for (const ws of workspaces) {
  const dir = join(ws, '.test-results');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).filter((n) => n.startsWith('summary-'))) {
    const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean);
    for (const line of lines) {
      const s = JSON.parse(line);
      total.pass += s.pass ?? 0;
      total.fail += s.fail ?? 0;
      total.skip += (s.skip ?? 0) + (s.todo ?? 0);
      for (const name of s.failures ?? []) failures.push(name);
    }
  }
}
if (failures.length) {
  console.log('\nfailed tests:');
  for (const f of failures) console.log(`  - ${f}`);
}
const status = run.status ?? 1;
if (status !== 0 && total.fail === 0) total.fail = 1; // a build or runner failure is a failure
console.log(
  `\ntests: ${total.pass} passed, ${total.fail} failed, ${total.skip} skipped (database: ${databaseLabel(process.env.DATABASE_URL)})`,
);
process.exit(status === 0 && total.fail === 0 ? 0 : 1);
