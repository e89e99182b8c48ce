/**
 * npm run bench: requests/s and latency percentiles of the hottest api calls
 * on this machine, over real HTTP with the database on loopback
 * (DATABASE_URL if set, else the embedded PGlite): publish authorisation, a
 * page of live streams, and an edge's session report (usage, and the usage
 * alert probe) for a tenant without alerts and one with the most it may have.
 *
 * CPU is this process's (the api and the bench client share it; Postgres's own is not counted), per
 * request. Each run is written to <BENCH_RESULTS_DIR>/<timestamp>-api/ (results.json and results.md).
 *
 *   BENCH_SECONDS (default 10)  BENCH_CONCURRENCY (default 16)
 *   BENCH_RESULTS_DIR (default bench/results)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { EdgeApiPaths, MAX_USAGE_ALERTS_PER_TENANT, USAGE_ALERT_METRICS } from '@tributary/contracts';
import { TestApi } from '../test/support/api';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const STREAMS = 20;

interface Result {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** This process's CPU (user + system) per request, ms: the api and the bench client together. */
  cpuMsPerRequest: number;
}

function once(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function load(
  name: string,
  base: string,
  method: string,
  path: string | ((client: number) => string),
  headers: Record<string, string>,
  body?: string,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const urlOf = (client: number) => new URL(typeof path === 'string' ? path : path(client), base);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      const url = urlOf(client);
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await once(agent, url, method, headers, body);
        latencies.push(performance.now() - t0);
        if (status >= 400) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 100) /
    100;
  return {
    name,
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50: pct(0.5),
    p99: pct(0.99),
    cpuMsPerRequest:
      Math.round(((cpu.user + cpu.system) / 1000 / Math.max(latencies.length, 1)) * 1000) / 1000,
  };
}

/** Writes the run to its own folder (results.json, results.md) and returns the folder. */
function writeRun(database: string, results: Result[]): string {
  const at = new Date().toISOString();
  const dir = join(
    resolve(process.env.BENCH_RESULTS_DIR ?? join(__dirname, '..', '..', 'bench', 'results')),
    `${at.replace(/[:.]/g, '-')}-api`,
  );
  mkdirSync(dir, { recursive: true });
  const run = { at, database, cpus: cpus().length, seconds: SECONDS, concurrency: CONCURRENCY, results };
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(
    join(dir, 'results.md'),
    [
      `# api bench ${at}`,
      '',
      `${database}, ${run.cpus} CPUs, ${SECONDS} s per case, ${CONCURRENCY} concurrent keep-alive clients.`,
      'CPU: this process (api and bench client together; not Postgres), per request.',
      '',
      '| case | requests | errors | req/s | p50 ms | p99 ms | CPU ms/request |',
      '|---|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.requests} | ${r.errors} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuMsPerRequest} |`,
      ),
      '',
    ].join('\n'),
  );
  return dir;
}

async function main(): Promise<void> {
  const api = await TestApi.start({
    RATE_LIMIT_PER_MINUTE: String(1e9),
    ...(process.env.DATABASE_URL ? { DATABASE_POOL_MAX: '10' } : {}),
  });
  try {
    const operator = await api.login();
    const { key } = await api.tenantWithKey('bench', operator);
    const edge = await api.edge(operator);
    let streamKey = '';
    for (let i = 0; i < STREAMS; i++) {
      streamKey = (await api.request('POST', '/v1/live-streams', { key, body: { name: `bench ${i}` } })).body
        .streamKey;
    }
    // Session reports: each client reports on its own session (a publisher's edge reports one session at a
    // time), all of one tenant, so they share its hour, day and month rows as a busy tenant's do.
    const sessionsOf = async (tenantKey: string) => {
      const ids: string[] = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        const s = await api.liveStream<{ id: string }>(tenantKey, { name: `reporting ${i}` });
        ids.push(await api.startSession(edge.credential, s.id));
      }
      return ids;
    };
    const plain = await sessionsOf(key);
    const alerted = await api.tenantWithKey('bench alerts', operator);
    for (let i = 0; i < MAX_USAGE_ALERTS_PER_TENANT; i++) {
      const metric = USAGE_ALERT_METRICS[i % USAGE_ALERT_METRICS.length];
      const res = await api.request('POST', '/v1/usage-alerts', {
        key: alerted.key,
        body: { metric, period: i % 2 ? 'day' : 'month', threshold: 1e14 + i },
      });
      if (res.status !== 201) throw new Error(`usage alert: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const withAlerts = await sessionsOf(alerted.key);
    const report = JSON.stringify({
      viewers: 3,
      bitrateKbps: 2500,
      bytesInDelta: 3_125_000,
      bytesOutDelta: 9_375_000,
      viewerSecondsDelta: 30,
    });
    const results = [
      await load(
        'publish authorisation (edge)',
        api.url,
        'POST',
        EdgeApiPaths.authorizePublish,
        { authorization: `Bearer ${edge.credential}` },
        JSON.stringify({ streamKey, app: 'live', clientIp: '127.0.0.1' }),
      ),
      await load(
        `list live streams (${STREAMS} per page, API key)`,
        api.url,
        'GET',
        `/v1/live-streams?limit=${STREAMS}`,
        { authorization: `Bearer ${key}` },
      ),
      await load(
        'session report (edge), tenant without usage alerts',
        api.url,
        'POST',
        (client) => EdgeApiPaths.sessionStats(plain[client] as string),
        { authorization: `Bearer ${edge.credential}` },
        report,
      ),
      await load(
        `session report (edge), tenant with ${MAX_USAGE_ALERTS_PER_TENANT} usage alerts`,
        api.url,
        'POST',
        (client) => EdgeApiPaths.sessionStats(withAlerts[client] as string),
        { authorization: `Bearer ${edge.credential}` },
        report,
      ),
    ];
    const db = api.database.kind === 'pglite' ? 'embedded PGlite (pool 1)' : 'Postgres';
    console.log(
      `api bench: ${SECONDS} s per case, ${CONCURRENCY} concurrent keep-alive clients, database: ${db}`,
    );
    console.table(
      results.map((r) => ({
        case: r.name,
        requests: r.requests,
        errors: r.errors,
        'req/s': r.rps,
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'CPU ms/req': r.cpuMsPerRequest,
      })),
    );
    console.log(`results: ${writeRun(db, results)}`);
    if (results.some((r) => r.errors > 0)) process.exitCode = 1;
  } finally {
    await api.close();
  }
}

void main();
