#!/usr/bin/env node
// `npm start`: builds what is needed, then runs api + edge + dashboard together
// with prefixed logs, bootstraps a demo tenant on first start, prints the URLs,
// credentials and ready-to-paste ffmpeg commands, and shuts everything down in
// order on Ctrl-C (edge first so it can report session ends, api last so the
// embedded Postgres closes cleanly).
//
// Options: --no-build (skip `turbo run build`); --edges N (N edges, default 1: RTMP and HTTP ports
// RTMP_PORT..RTMP_PORT+N-1 and EDGE_HTTP_PORT..EDGE_HTTP_PORT+N-1, each registered as its own edge). Environment: see README
// "Configuration" (API_PORT, RTMP_PORT, EDGE_HTTP_PORT, DASHBOARD_PORT,
// DATABASE_URL, DATA_DIR, EMBEDDED_PG_PORT, PUBLIC_HOST, RTMPS_PORT). RTMPS: a self-signed certificate for
// localhost, 127.0.0.1, ::1 and PUBLIC_HOST is made in DATA_DIR/tls (kept while valid) and each edge serves
// rtmps:// on RTMPS_PORT+i (default 1936, or the first port after the RTMP ports with --edges).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tty = process.stdout.isTTY === true;
const color = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

// ---- configuration (read once) ----
function fail(message) {
  process.stderr.write(`${color('31', 'error:')} ${message}\n`);
  process.exit(1);
}
function portVar(name, def) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    fail(`${name} must be a TCP port between 1 and 65535 (got ${JSON.stringify(raw)})`);
  return n;
}
const cfg = {
  apiPort: portVar('API_PORT', 4000),
  rtmpPort: portVar('RTMP_PORT', 1935),
  edgeHttpPort: portVar('EDGE_HTTP_PORT', 8080),
  dashboardPort: portVar('DASHBOARD_PORT', 3000),
  embeddedPgPort: portVar('EMBEDDED_PG_PORT', 5499),
  host: process.env.PUBLIC_HOST || '127.0.0.1',
  dataDir: resolve(process.env.DATA_DIR || join(root, '.data')),
  databaseUrl: process.env.DATABASE_URL || undefined,
  build: !process.argv.includes('--no-build'),
  edges: edgesArg(),
};
// RTMPS ports follow the RTMP ones (1935..1935+N-1) so that --edges never overlaps them.
cfg.rtmpsPort = portVar('RTMPS_PORT', cfg.edges === 1 ? 1936 : cfg.rtmpPort + cfg.edges);
function edgesArg() {
  const at = process.argv.findIndex((a) => a === '--edges' || a.startsWith('--edges='));
  if (at < 0) return 1;
  const raw = process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    fail(`--edges must be a whole number from 1 to 32 (got ${JSON.stringify(raw)})`);
  return n;
}
if (cfg.databaseUrl && !/^postgres(ql)?:\/\/.+/.test(cfg.databaseUrl)) {
  fail(
    `DATABASE_URL must be a postgres:// or postgresql:// connection URL (got ${JSON.stringify(cfg.databaseUrl.replace(/:[^:@/]*@/, ':***@'))})`,
  );
}
const urls = {
  api: `http://${cfg.host}:${cfg.apiPort}`,
  edgeHttp: `http://${cfg.host}:${cfg.edgeHttpPort}`,
  rtmp: `rtmp://${cfg.host}:${cfg.rtmpPort}/live`,
  rtmps: `rtmps://${cfg.host}:${cfg.rtmpsPort}/live`,
  // RTMPT: RTMP tunnelled through HTTP POSTs on the edge's HTTP port (RTMPT_ENABLED, on by default).
  rtmpt: `rtmpt://${cfg.host}:${cfg.edgeHttpPort}/live`,
  dashboard: `http://${cfg.host}:${cfg.dashboardPort}`,
};
// Edge i (0-based) listens on the base ports + i; the first is the one the single-edge tour names.
const edgeSpecs = Array.from({ length: cfg.edges }, (_, i) => ({
  name: i === 0 ? 'local-edge' : `local-edge-${i + 1}`,
  label: i === 0 ? 'edge' : `edge-${i + 1}`,
  rtmpPort: cfg.rtmpPort + i,
  httpPort: cfg.edgeHttpPort + i,
  rtmp: `rtmp://${cfg.host}:${cfg.rtmpPort + i}/live`,
  internalRtmp: `rtmp://127.0.0.1:${cfg.rtmpPort + i}/live`,
  rtmpsPort: cfg.rtmpsPort + i,
  rtmps: `rtmps://${cfg.host}:${cfg.rtmpsPort + i}/live`,
  http: `http://${cfg.host}:${cfg.edgeHttpPort + i}`,
}));
for (const e of edgeSpecs)
  if (e.rtmpPort > 65535 || e.httpPort > 65535 || e.rtmpsPort > 65535)
    fail(`--edges ${cfg.edges} needs ports above 65535`);

// ---- ports are free before anything starts: one clear line otherwise ----
function checkPort(port, variable) {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.once('error', (err) => {
      if (err.code === 'EADDRINUSE')
        fail(
          `port ${port} is already in use (${variable}); stop the other process or set ${variable} to another port`,
        );
      fail(`cannot listen on port ${port} (${variable}): ${err.message}`);
    });
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolvePort()));
  });
}
await checkPort(cfg.apiPort, 'API_PORT');
for (const [i, e] of edgeSpecs.entries()) {
  await checkPort(e.rtmpPort, i === 0 ? 'RTMP_PORT' : `RTMP_PORT+${i} for --edges`);
  await checkPort(e.httpPort, i === 0 ? 'EDGE_HTTP_PORT' : `EDGE_HTTP_PORT+${i} for --edges`);
  await checkPort(e.rtmpsPort, i === 0 ? 'RTMPS_PORT' : `RTMPS_PORT+${i} for --edges`);
}
await checkPort(cfg.dashboardPort, 'DASHBOARD_PORT');
if (!cfg.databaseUrl) await checkPort(cfg.embeddedPgPort, 'EMBEDDED_PG_PORT');

// ---- build ----
if (cfg.build) {
  console.log(color('2', 'building (turbo run build; cached after the first time)...'));
  const res = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (res.status !== 0) fail('the build failed (see above)');
}

// Workspace packages are importable only once built (a fresh clone has no dist/ yet).
const { PlaybackHttpPaths, VOD_RTMP_APP } = await import('@tributary/contracts');

// ---- local secrets kept under DATA_DIR (git-ignored) ----
// Owner-only: every file this script and its children (api, edge, dashboard) write is 0600, every directory
// 0700, and an existing DATA_DIR left open by an older run is closed (unless it is a shared sticky directory).
process.umask(0o077);
mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
{
  const st = statSync(cfg.dataDir);
  if ((st.mode & 0o1000) === 0 && st.uid === process.getuid?.()) chmodSync(cfg.dataDir, 0o700);
}
const credentialsFile = join(cfg.dataDir, 'dev-credentials.json');
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}
// RTMPS: a local self-signed certificate (node:crypto, no openssl needed), reused while valid for a day more.
const { ensureDevCertificate, LOCAL_ALT_NAMES } = createRequire(import.meta.url)(
  join(root, 'apps/edge/dist/src/rtmps/dev-certificate.js'),
);
const tlsNames = [...LOCAL_ALT_NAMES];
if (!tlsNames.includes(cfg.host) && (isIP(cfg.host) || /^[A-Za-z0-9.-]{1,253}$/.test(cfg.host)))
  tlsNames.push(cfg.host);
let devCert;
try {
  devCert = ensureDevCertificate(join(cfg.dataDir, 'tls'), tlsNames);
} catch (err) {
  // PUBLIC_HOST that is no DNS name: the certificate names the loopback only.
  console.log(color('2', `RTMPS certificate without ${cfg.host} (${err.message})`));
  devCert = ensureDevCertificate(join(cfg.dataDir, 'tls'));
}
let creds = readJson(credentialsFile);
if (!creds?.operator?.password) {
  creds = {
    operator: { email: 'admin@tributary.local', password: randomBytes(12).toString('base64url') },
    demoUser: { email: 'demo@tributary.local', password: randomBytes(12).toString('base64url') },
  };
  writeJson(credentialsFile, creds);
}

// ---- child processes with prefixed logs ----
const children = [];
const palette = { api: '36', edge: '35', dashboard: '33' };
function startChild(name, args, { cwd, env }) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, LOG_FORMAT: tty ? 'pretty' : 'json', FORCE_COLOR: tty ? '1' : '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only this script, which stops the
    // children in order; see shutdown().
    detached: true,
  });
  const prefix = color(palette[name.replace(/-\d+$/, '')] ?? '0', `${name.padEnd(9)}|`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`));
  }
  const entry = {
    name,
    child,
    exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
  };
  entry.exited.then(({ code, signal }) => {
    if (!shuttingDown) {
      process.stdout.write(
        `${prefix} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything\n`,
      );
      shutdown(1);
    }
  });
  children.push(entry);
  return entry;
}

let shuttingDown = false;
async function shutdown(exitCode = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(color('2', '\nstopping: edge, dashboard, then api...'));
  // Edges stop together (each reports its session ends), then the dashboard, then the api.
  const edges = children.filter((c) => c.name.startsWith('edge'));
  await Promise.all(edges.map((e) => stopChild(e)));
  for (const name of ['dashboard', 'api']) {
    const entry = children.find((c) => c.name === name);
    if (entry) await stopChild(entry);
  }
  process.exit(exitCode);
}
async function stopChild(entry) {
  {
    const name = entry.name;
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    try {
      process.kill(-entry.child.pid, 'SIGTERM');
    } catch {}
    const timeout = new Promise((r) => setTimeout(() => r('timeout'), 25_000));
    if ((await Promise.race([entry.exited, timeout])) === 'timeout') {
      console.log(`${name} did not stop within 25 s; killing it`);
      try {
        process.kill(-entry.child.pid, 'SIGKILL');
      } catch {}
      await entry.exited;
    }
  }
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
process.on('SIGHUP', () => shutdown(0));
// Last resort if this script dies of an exception: leave no child behind.
process.on('exit', () => {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }
});

// ---- tiny REST client for the bootstrap ----
async function api(method, path, { body, token, cookie, tenantId } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = cookie;
  if (tenantId) headers['x-tenant-id'] = tenantId;
  const res = await fetch(`${urls.api}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, json, headers: res.headers };
}
async function must(method, path, opts) {
  const res = await api(method, path, opts);
  if (res.status >= 300) {
    throw new Error(
      `${method} ${path} answered ${res.status}: ${res.json?.error?.message ?? JSON.stringify(res.json)}`,
    );
  }
  return res.json;
}
async function waitFor(name, url, timeoutMs, entry) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (entry && (entry.child.exitCode !== null || entry.child.signalCode !== null)) return false;
    try {
      const res = await fetch(url);
      if (res.status < 500) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${name} did not answer ${url} within ${timeoutMs / 1000} s`);
}

// Creates (first start) or re-validates (later starts) the demo tenant, its
// owner, an API key, a live stream and the local edge's registration.
async function bootstrapDemo() {
  const demoFile = join(cfg.dataDir, 'demo.json');
  const saved = readJson(demoFile);
  if (saved?.apiKey && saved.liveStreamId && saved.edgeCredential) {
    const check = await api('GET', `/v1/live-streams/${saved.liveStreamId}`, { token: saved.apiKey });
    if (check.status === 200) {
      const known = saved.edges ?? [{ id: saved.edgeId, credential: saved.edgeCredential }];
      if (known.length >= cfg.edges) return saved;
      // More edges than last time (--edges): register the new ones beside the saved ones.
      const more = await registerEdges(await operatorCookie(), known.length);
      const demo = { ...saved, edges: [...known, ...more] };
      writeJson(demoFile, demo);
      return demo;
    }
    console.log(
      color('2', `saved demo objects are not in this database (${check.status}); creating new ones`),
    );
  }
  const cookie = await operatorCookie();
  const tenant = await must('POST', '/v1/tenants', {
    cookie,
    body: { name: 'Demo', maxLiveStreams: 10, maxViewers: 1000 },
  });
  await must('POST', `/v1/tenants/${tenant.id}/users`, {
    cookie,
    body: {
      email: creds.demoUser.email,
      name: 'Demo Owner',
      password: creds.demoUser.password,
      role: 'owner',
    },
  });
  const key = await must('POST', '/v1/api-keys', {
    cookie,
    tenantId: tenant.id,
    body: { name: 'demo (npm start)', scopes: ['read', 'write'] },
  });
  const stream = await must('POST', '/v1/live-streams', {
    token: key.key,
    body: { name: 'Demo stream', playbackPolicy: 'public' },
  });
  const edges = await registerEdges(cookie, 0);
  const demo = {
    tenantId: tenant.id,
    apiKey: key.key,
    liveStreamId: stream.id,
    playbackId: stream.playbackId,
    edgeId: edges[0].id,
    edgeCredential: edges[0].credential,
    edges,
  };
  writeJson(demoFile, demo);
  return demo;
}

async function operatorCookie() {
  const login = await api('POST', '/v1/auth/login', { body: creds.operator });
  if (login.status !== 200)
    throw new Error(`operator login failed (${login.status}): ${login.json?.error?.message ?? ''}`);
  return (login.headers.getSetCookie?.() ?? [login.headers.get('set-cookie') ?? ''])
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** Registers edges `from`..cfg.edges-1 (each its own edge with its own credential). */
async function registerEdges(cookie, from) {
  const out = [];
  for (const e of edgeSpecs.slice(from)) {
    const edge = await must('POST', '/v1/edges', {
      cookie,
      body: { name: e.name, region: 'local', rtmpUrl: e.rtmp, httpUrl: e.http, capacity: 1000 },
    });
    out.push({ id: edge.id, credential: edge.credential });
  }
  return out;
}

// ---- start ----
// The dashboard proves itself to the api with this (a fresh one per run): the api then believes the client IP
// it forwards for the sign-in limits.
const proxySecret = randomBytes(24).toString('base64url');
const apiEntry = startChild('api', ['dist/src/main.js'], {
  cwd: join(root, 'apps/api'),
  env: {
    API_PORT: String(cfg.apiPort),
    DATA_DIR: cfg.dataDir,
    EMBEDDED_PG_PORT: String(cfg.embeddedPgPort),
    BOOTSTRAP_OPERATOR_EMAIL: creds.operator.email,
    BOOTSTRAP_OPERATOR_PASSWORD: creds.operator.password,
    PUBLIC_RTMP_URL: urls.rtmp,
    PUBLIC_PLAYBACK_HTTP_URL: urls.edgeHttp,
    CORS_ORIGINS: urls.dashboard,
    PUBLIC_DASHBOARD_URL: urls.dashboard,
    TRUSTED_PROXY_SECRET: proxySecret,
    ...(cfg.databaseUrl ? { DATABASE_URL: cfg.databaseUrl } : {}),
  },
});
if (!(await waitFor('api', `${urls.api}/healthz`, 60_000, apiEntry))) await new Promise(() => {});

let demo;
try {
  demo = await bootstrapDemo();
} catch (err) {
  console.error(`${color('31', 'error:')} demo bootstrap failed: ${err.message}`);
  await shutdown(1);
}

const registered = demo.edges ?? [{ id: demo.edgeId, credential: demo.edgeCredential }];
const edgeEntries = edgeSpecs.map((e, i) =>
  startChild(e.label, ['dist/src/main.js'], {
    cwd: join(root, 'apps/edge'),
    env: {
      EDGE_API_URL: urls.api,
      EDGE_API_TOKEN: registered[i].credential,
      RTMP_PORT: String(e.rtmpPort),
      HTTP_PORT: String(e.httpPort),
      // Other edges pull this one's streams on its local address; players are named its public one.
      EDGE_INTERNAL_RTMP_URL: e.internalRtmp,
      EDGE_PUBLIC_RTMP_URL: e.rtmp,
      EDGE_REGION: 'local',
      RTMPS_PORT: String(e.rtmpsPort),
      EDGE_PUBLIC_RTMPS_URL: e.rtmps,
      RTMPS_CERT_FILE: devCert.certFile,
      RTMPS_KEY_FILE: devCert.keyFile,
    },
  }),
);
const nextBin = join(root, 'node_modules/next/dist/bin/next');
const dashboardEntry = startChild('dashboard', [nextBin, 'start', '-p', String(cfg.dashboardPort)], {
  cwd: join(root, 'apps/dashboard'),
  env: {
    API_URL: urls.api,
    API_PROXY_SECRET: proxySecret,
    PUBLIC_URL: urls.dashboard,
    PORT: String(cfg.dashboardPort),
    NODE_ENV: 'production',
  },
});
const up = await Promise.all([
  ...edgeSpecs.map((e, i) => waitFor(e.label, `${e.http}/healthz`, 60_000, edgeEntries[i])),
  waitFor('dashboard', urls.dashboard, 60_000, dashboardEntry),
]);
if (!up.every(Boolean)) await new Promise(() => {});

const streamKey =
  (await api('GET', `/v1/live-streams/${demo.liveStreamId}/stream-key`, { token: demo.apiKey })).json
    ?.streamKey ?? '<see dashboard>';
const line = '─'.repeat(78);
const b = (s) => color('1', s);
console.log(`
${line}
${b('Tributary is running')}   (Ctrl-C stops everything; data is kept in ${cfg.dataDir})
  Dashboard   ${urls.dashboard}
  API         ${urls.api}   (docs: ${urls.api}/docs)
  RTMP edge   ${urls.rtmp}
  RTMPS edge  ${urls.rtmps}   (self-signed, ${devCert.certFile}; SHA-256 ${devCert.fingerprint256.slice(0, 23)}...)
  Edge HTTP   ${urls.edgeHttp}   (health: /healthz, metrics: /metrics)
${
  cfg.edges > 1
    ? `${b(`${cfg.edges} edges`)} (any edge plays any stream: viewers on one pull it from the edge it is published to)\n${edgeSpecs
        .map(
          (e) =>
            `  ${e.label.padEnd(7)} publish ${e.rtmp}/${streamKey}   play ${e.rtmp}/${demo.playbackId}   RTMPS ${e.rtmps}   HLS ${e.http}${PlaybackHttpPaths.hlsPlaylist(demo.playbackId)}   SMIL ${e.http}${PlaybackHttpPaths.smil(demo.playbackId)}`,
        )
        .join('\n')}\n`
    : ''
}  Database    ${cfg.databaseUrl ? 'DATABASE_URL' : `embedded PGlite (127.0.0.1:${cfg.embeddedPgPort}, files in ${join(cfg.dataDir, 'pglite')})`}

${b('Sign in to the dashboard')}
  operator    ${creds.operator.email} / ${creds.operator.password}
  demo owner  ${creds.demoUser.email} / ${creds.demoUser.password}

${b('Demo tenant API key')}
  ${demo.apiKey}
  curl -H 'Authorization: Bearer ${demo.apiKey}' ${urls.api}/v1/live-streams

${b('Publish (ffmpeg test pattern, or point OBS at the server URL with the stream key)')}
  server      ${urls.rtmp}
  stream key  ${streamKey}
  ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \\
    -c:v libx264 -preset veryfast -tune zerolatency -g 60 -b:v 2500k -c:a aac -b:a 128k \\
    -f flv ${urls.rtmp}/${streamKey}
  over TLS (ffmpeg does not verify certificates by default; OBS needs the certificate trusted)
    ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -c:v libx264 -preset veryfast -g 60 \\
      -f flv ${urls.rtmps}/${streamKey}

${b('Play')}
  ffplay ${urls.rtmp}/${demo.playbackId}
  ffmpeg -i ${urls.rtmp}/${demo.playbackId} -t 5 -f null -
  ffplay ${urls.rtmps}/${demo.playbackId}
  ffplay ${urls.rtmpt}/${demo.playbackId}   (RTMPT: through the edge's HTTP port, for HTTP-only firewalls)
  HLS       ${urls.edgeHttp}${PlaybackHttpPaths.hlsPlaylist(demo.playbackId)}
  HTTP-FLV  ${urls.edgeHttp}${PlaybackHttpPaths.flv(demo.playbackId)}
  or watch the preview on the stream's page in the dashboard

${b('On demand')} (upload an MP4 or FLV: tour step 6; any edge plays it, with seeking)
  ffplay ${urls.rtmp.replace(/\/live$/, `/${VOD_RTMP_APP}`)}/mp4:<asset playback id>
  HLS       ${urls.edgeHttp}${PlaybackHttpPaths.vodHlsPlaylist('<asset playback id>')}
${line}
`);
