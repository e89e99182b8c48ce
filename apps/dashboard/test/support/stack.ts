import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, type ServiceProcess, startService, waitUntilServing } from '@tributary/test-kit';
import { Client } from 'pg';
import { RestSession } from './rest';

/**
 * A running api (real database) and the production dashboard (`next start` on the
 * `next build` output) pointed at it, for browser tests.
 *
 * Database: DATABASE_URL set → a fresh database on that server, dropped afterwards;
 * unset → the api's embedded PGlite in a temporary DATA_DIR.
 */
export const dashboardDir = resolve(__dirname, '..', '..', '..');
const repoDir = resolve(dashboardDir, '..', '..');
const apiMain = join(repoDir, 'apps', 'api', 'dist', 'src', 'main.js');
const edgeMain = join(repoDir, 'apps', 'edge', 'dist', 'src', 'main.js');
const nextBin = join(repoDir, 'node_modules', 'next', 'dist', 'bin', 'next');
export const artifactsDir = join(dashboardDir, 'test-artifacts');

/** First start of the api migrates a fresh database; PGlite on 2 shared cores is the slow case. */
const API_START_DEADLINE_MS = 120_000;
const DASHBOARD_START_DEADLINE_MS = 60_000;
const EDGE_START_DEADLINE_MS = 30_000;

export type Stack = {
  apiUrl: string;
  dashboardUrl: string;
  operator: { email: string; password: string };
  /** Present when started with `{ edge: true }`: where encoders publish. */
  edge: { rtmpUrl: string; httpUrl: string } | null;
  stop(): Promise<void>;
};

/**
 * `edge: true` also registers an edge with the api and runs apps/edge with its credential,
 * and makes the api hand out that edge's RTMP and HTTP URLs. The dashboard and the api share
 * a proxy secret as `npm start` wires them; `apiEnv`/`dashboardEnv` add or override settings.
 */
export async function startStack(
  options: { edge?: boolean; apiEnv?: Record<string, string>; dashboardEnv?: Record<string, string> } = {},
): Promise<Stack> {
  if (!existsSync(apiMain))
    throw new Error(`the api is not built: ${apiMain} is missing (npm run build -w @tributary/api)`);
  if (!existsSync(join(dashboardDir, '.next', 'BUILD_ID'))) {
    throw new Error('the dashboard is not built: run `npm run build` in apps/dashboard (next build) first');
  }
  mkdirSync(artifactsDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-dashboard-e2e-'));
  const operator = { email: 'operator@e2e.test', password: 'operator-password-1' };
  const children: ServiceProcess[] = [];
  let dropDatabase = async () => {};
  const proxySecret = randomBytes(24).toString('base64url');

  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const database = await createDatabase(process.env.DATABASE_URL);
    dropDatabase = database.drop;
    const apiPort = await freePort();
    const dashboardPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    const edgePorts = options.edge ? { rtmp: await freePort(), http: await freePort() } : null;
    const edge = edgePorts
      ? { rtmpUrl: `rtmp://127.0.0.1:${edgePorts.rtmp}/live`, httpUrl: `http://127.0.0.1:${edgePorts.http}` }
      : null;

    const api = startService('api', process.execPath, [apiMain], {
      cwd: repoDir,
      logFile: join(artifactsDir, 'api.log'),
      env: {
        API_PORT: String(apiPort),
        API_HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: '0',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        BOOTSTRAP_OPERATOR_EMAIL: operator.email,
        BOOTSTRAP_OPERATOR_PASSWORD: operator.password,
        CORS_ORIGINS: dashboardUrl,
        ...(edge ? { PUBLIC_RTMP_URL: edge.rtmpUrl, PUBLIC_PLAYBACK_HTTP_URL: edge.httpUrl } : {}),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        TRUSTED_PROXY_SECRET: proxySecret,
        ...options.apiEnv,
      },
    });
    children.push(api);
    await waitUntilServing(api, `${apiUrl}/readyz`, API_START_DEADLINE_MS);

    if (edge && edgePorts) {
      if (!existsSync(edgeMain)) throw new Error(`the edge is not built: ${edgeMain} is missing`);
      const rest = await RestSession.login(apiUrl, operator.email, operator.password);
      const registered = await rest.request<{ credential: string }>('POST', '/v1/edges', {
        body: { name: 'edge-e2e', region: 'local', rtmpUrl: edge.rtmpUrl, httpUrl: edge.httpUrl },
      });
      const edgeChild = startService('edge', process.execPath, [edgeMain], {
        cwd: repoDir,
        logFile: join(artifactsDir, 'edge.log'),
        env: {
          EDGE_API_URL: apiUrl,
          EDGE_API_TOKEN: registered.credential,
          RTMP_HOST: '127.0.0.1',
          RTMP_PORT: String(edgePorts.rtmp),
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(edgePorts.http),
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'warn',
        },
      });
      children.push(edgeChild);
      await waitUntilServing(edgeChild, `${edge.httpUrl}/healthz`, EDGE_START_DEADLINE_MS);
    }

    const dashboard = startService(
      'dashboard',
      process.execPath,
      [nextBin, 'start', '-p', String(dashboardPort), '-H', '127.0.0.1'],
      {
        cwd: dashboardDir,
        logFile: join(artifactsDir, 'dashboard.log'),
        env: {
          API_URL: apiUrl,
          API_PROXY_SECRET: proxySecret,
          NEXT_TELEMETRY_DISABLED: '1',
          NODE_ENV: 'production',
          ...options.dashboardEnv,
        },
      },
    );
    children.push(dashboard);
    await waitUntilServing(dashboard, `${dashboardUrl}/login`, DASHBOARD_START_DEADLINE_MS);

    return { apiUrl, dashboardUrl, operator, edge, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function createDatabase(
  serverUrl: string | undefined,
): Promise<{ url: string | null; drop(): Promise<void> }> {
  if (!serverUrl) return { url: null, drop: async () => {} };
  const name = `dashboard_e2e_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
