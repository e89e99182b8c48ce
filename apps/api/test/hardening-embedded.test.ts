import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@tributary/service-kit';
import { startApi } from '../src/app';
import { parseApiConfig } from '../src/config';

/**
 * The embedded PGlite database holds every tenant's data: its directory must be
 * owner-only (0700) and its files 0600, whatever the umask, also for a data
 * directory an older version left open. Through the api's real start path with
 * DATABASE_URL unset.
 */

const root = mkdtempSync(join(tmpdir(), 'tributary-embedded-perms-'));
after(() => rmSync(root, { recursive: true, force: true }));

function walk(dir: string, out: { path: string; mode: number; dir: boolean }[] = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      out.push({ path, mode: statSync(path).mode & 0o777, dir: true });
      walk(path, out);
    } else if (e.isFile()) out.push({ path, mode: statSync(path).mode & 0o777, dir: false });
  }
  return out;
}

async function startAndStop(dataDir: string, secretsKey = randomBytes(32).toString('base64')) {
  const config = parseApiConfig({
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: '0',
    SECRETS_KEY: secretsKey,
    BOOTSTRAP_OPERATOR_PASSWORD: 'operator-password-1',
    LOG_LEVEL: 'silent',
  });
  const api = await startApi(config, createLogger({ name: 'api', level: 'silent' }));
  const health = await fetch(`${api.url}/healthz`);
  assert.equal(health.status, 200);
  await api.close();
}

function assertOwnerOnly(dataDir: string) {
  const pglite = join(dataDir, 'pglite');
  assert.equal(statSync(pglite).mode & 0o777, 0o700, 'pglite directory');
  const entries = walk(pglite);
  assert.ok(entries.filter((e) => !e.dir).length > 10, 'PGlite wrote its files');
  const open = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`);
  assert.deepEqual(open, []);
}

test('a new embedded data directory is 0700 and its files 0600, even under umask 022', async () => {
  const previous = process.umask(0o022);
  try {
    const dataDir = join(root, 'fresh', 'data');
    await startAndStop(dataDir);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'DATA_DIR created owner-only');
    assertOwnerOnly(dataDir);
  } finally {
    process.umask(previous);
  }
});

test('an existing world-readable embedded data directory is closed at start', async () => {
  const previous = process.umask(0o022);
  try {
    const dataDir = join(root, 'old');
    const secretsKey = randomBytes(32).toString('base64');
    await startAndStop(dataDir, secretsKey);
    // As an older version left it.
    const pglite = join(dataDir, 'pglite');
    chmodSync(pglite, 0o755);
    for (const e of walk(pglite)) chmodSync(e.path, e.dir ? 0o755 : 0o644);
    await startAndStop(dataDir, secretsKey);
    assertOwnerOnly(dataDir);
  } finally {
    process.umask(previous);
  }
});
