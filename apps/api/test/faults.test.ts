import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OPERATOR, TestApi } from './support/api';
import { type ChildApi, runMain, startMain } from './support/child-api';
import { createTestDatabase, type TestDatabase } from './support/database';
import { TcpProxy } from './support/tcp-proxy';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

function killOnCleanup(api: { child: ChildProcess }) {
  cleanups.push(() => {
    if (api.child.exitCode === null) api.child.kill('SIGKILL');
  });
}

test('with the database gone the api answers 503 and stays up; it recovers when the database is back, without duplicates', async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.close());
  const target = new URL(database.url);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  cleanups.push(() => proxy.stop());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const api = await TestApi.start({ DATABASE_URL: viaProxy.toString() });
  cleanups.push(() => api.close());
  const operator = await api.login();
  const { key } = await api.tenantWithKey('outage', operator);
  assert.equal((await api.request('GET', '/v1/live-streams', { key })).status, 200);

  await proxy.stop();
  const down = await api.request('GET', '/v1/live-streams', { key });
  assert.equal(down.status, 503);
  assert.equal(down.body.error.code, 'service_unavailable');
  assert.ok(down.body.error.requestId);
  assert.equal((await api.request('GET', '/readyz')).status, 503);
  assert.equal((await api.request('GET', '/healthz')).status, 200, 'the process is alive');
  const headers = { 'idempotency-key': 'f3-create' };
  assert.equal(
    (await api.request('POST', '/v1/live-streams', { key, headers, body: { name: 'during outage' } })).status,
    503,
  );

  await proxy.start();
  assert.equal((await api.request('GET', '/readyz')).status, 200);
  const first = await api.request('POST', '/v1/live-streams', {
    key,
    headers,
    body: { name: 'during outage' },
  });
  const retried = await api.request('POST', '/v1/live-streams', {
    key,
    headers,
    body: { name: 'during outage' },
  });
  assert.equal(first.status, 201);
  assert.equal(retried.body.id, first.body.id);
  assert.equal((await api.request('GET', '/v1/live-streams', { key })).body.data.length, 1);
});

/** Starts a POST whose body is held back, so it is in flight when the signal arrives. */
function heldRequest(url: string, path: string, cookie: string, body: string) {
  const u = new URL(path, url);
  const req = httpRequest({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      cookie,
      connection: 'keep-alive',
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { response, finish: () => req.end(body.slice(half)) };
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OPERATOR),
  });
  assert.equal(res.status, 200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

test('with the embedded default database, SIGTERM lets the in-flight request finish, refuses new ones, exits 0; a restart finds the same data', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-f4-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: '0',
    DATA_DIR: dataDir,
    BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
    BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
  };
  const first: ChildApi = await startMain(env);
  killOnCleanup(first);
  assert.equal(statSync(join(dataDir, 'secrets.key')).mode & 0o777, 0o600);
  const cookie = await login(first.url);
  const held = heldRequest(
    first.url,
    '/v1/tenants',
    cookie,
    JSON.stringify({ name: 'created while draining' }),
  );
  // The request is in flight once the server has its headers; a round trip on another connection proves that.
  assert.equal((await fetch(`${first.url}/healthz`)).status, 200);

  first.child.kill('SIGTERM');
  await first.waitForLog(/^shutting down$/);
  const refused = await fetch(`${first.url}/healthz`).then(
    (r) => r.status,
    () => 'connection refused',
  );
  assert.ok(refused === 503 || refused === 'connection refused', `new request got ${refused}`);
  held.finish();
  const done = await held.response;
  assert.equal(done.status, 201, done.body);
  const { code } = await first.exit;
  assert.equal(code, 0, 'exited cleanly within the shutdown window');

  const second = await startMain(env);
  killOnCleanup(second);
  const cookie2 = await login(second.url);
  const tenants = (await fetch(`${second.url}/v1/tenants`, { headers: { cookie: cookie2 } }).then((r) =>
    r.json(),
  )) as { data: { name: string }[] };
  assert.deepEqual(
    tenants.data.map((t) => t.name),
    ['created while draining'],
  );
  second.child.kill('SIGTERM');
  assert.equal((await second.exit).code, 0);
});

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { server, port: (server.address() as { port: number }).port };
}

let sharedDb: TestDatabase | undefined;
async function databaseUrl(): Promise<string> {
  if (!sharedDb) {
    sharedDb = await createTestDatabase();
    const db = sharedDb;
    cleanups.push(() => db.close());
  }
  return sharedDb.url;
}

test('startup problems are one clear line on stderr and exit 1', async () => {
  const { port } = await occupiedPort();
  const cases: { env: Record<string, string>; line: RegExp }[] = [
    {
      // Port 1 (tcpmux) has no listener on a normal host: connection refused.
      env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/x' },
      line: /^error: api: connection refused by 127\.0\.0\.1:1; is the server running\?$/,
    },
    {
      env: { DATABASE_URL: await databaseUrl(), API_PORT: String(port) },
      line: new RegExp(
        `^error: api: port ${port} on 127\\.0\\.0\\.1 is already in use \\(set API_PORT to use another\\)`,
      ),
    },
    {
      env: { EMBEDDED_PG_PORT: String(port) },
      line: new RegExp(
        `^error: api: port ${port} .*already in use \\(set EMBEDDED_PG_PORT to use another\\)`,
      ),
    },
  ];
  for (const c of cases) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-startup-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const run = runMain({
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...c.env,
    });
    killOnCleanup(run);
    const { code, stderr } = await run.exit;
    assert.equal(code, 1);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] ?? '', c.line);
  }
});
