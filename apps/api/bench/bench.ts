/**
 * npm run bench: requests/s and latency percentiles of the two hottest api
 * calls on this machine, over real HTTP with the database on loopback
 * (DATABASE_URL if set, else the embedded PGlite).
 *
 *   BENCH_SECONDS (default 10)  BENCH_CONCURRENCY (default 16)
 */
import { Agent, request } from 'node:http';
import { EdgeApiPaths } from '@tributary/contracts';
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
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL(path, base);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await once(agent, url, method, headers, body);
        latencies.push(performance.now() - t0);
        if (status >= 400) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
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
  };
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
      })),
    );
    if (results.some((r) => r.errors > 0)) process.exitCode = 1;
  } finally {
    await api.close();
  }
}

void main();
