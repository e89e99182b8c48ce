/**
 * npm run bench:webhooks: webhook deliveries per second and event-to-delivery latency (p50/p99) on this
 * machine. A real api (DATABASE_URL if set, else the embedded PGlite) and a local receiver (node:http on
 * 127.0.0.1, allowed through WEBHOOK_ALLOWED_HOSTS); events are made the way edges make them: session start
 * (live_stream.active) and end (live_stream.idle) on BENCH_STREAMS streams at once. Latency is from the
 * event's created_at (its transaction) to the receiver reading the request. CPU is this process's (the api,
 * its delivery workers, the event-making client and the receiver share it; Postgres's own is not counted),
 * per delivered event, from the first event to the last delivery.
 *
 *   BENCH_EVENTS (default 2000)  BENCH_STREAMS (default 40)  WEBHOOK_CONCURRENCY (default 8)
 *   BENCH_RESULTS_DIR (default bench/results): results go to <dir>/<timestamp>-webhooks/
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { EdgeApiPaths } from '@tributary/contracts';
import { TestApi } from '../test/support/api';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 40);
const CONCURRENCY = process.env.WEBHOOK_CONCURRENCY ?? '8';
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 300_000);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const latencies: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let firstAt = 0;
  let lastAt = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const p = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; created_at: string };
      if (seen.has(p.id)) duplicates++;
      seen.add(p.id);
      latencies.push(now - Date.parse(p.created_at));
      lastAt = now;
      res.writeHead(200).end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const port = (receiver.address() as AddressInfo).port;
  const api = await TestApi.start({
    WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}`,
    WEBHOOK_CONCURRENCY: CONCURRENCY,
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  try {
    const operator = await api.login();
    const { key } = await api.tenantWithKey('bench', operator);
    const edge = await api.edge(operator);
    const hook = await api.request('POST', '/v1/webhooks', {
      key,
      body: { url: `http://127.0.0.1:${port}/bench`, events: ['live_stream.active', 'live_stream.idle'] },
    });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
    const streams: string[] = [];
    for (let i = 0; i < STREAMS; i++)
      streams.push(
        (await api.request('POST', '/v1/live-streams', { key, body: { name: `bench ${i}` } })).body.id,
      );
    const cycles = Math.ceil(EVENTS / 2);
    let next = 0;
    firstAt = Date.now();
    const cpuBefore = process.cpuUsage();
    // Each stream publishes and stops in turn (its own events stay ordered); the streams run at once.
    await Promise.all(
      streams.map(async (liveStreamId) => {
        while (next < cycles) {
          next++;
          const s = await api.request('POST', EdgeApiPaths.sessions, {
            key: edge.credential,
            body: { liveStreamId, clientIp: '203.0.113.7', video: null, audio: null },
          });
          await api.request('POST', EdgeApiPaths.sessionEnd(s.body.sessionId), {
            key: edge.credential,
            body: { reason: 'bench', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 },
          });
        }
      }),
    );
    const emittedAt = Date.now();
    const expected = cycles * 2;
    const deadline = Date.now() + DEADLINE_MS;
    while (seen.size < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cpu = process.cpuUsage(cpuBefore);
    const sorted = [...latencies].sort((a, b) => a - b);
    const seconds = (lastAt - firstAt) / 1000;
    const result = {
      at: new Date().toISOString(),
      database: api.database.kind === 'pglite' ? 'embedded PGlite (pool 1)' : 'Postgres',
      cpus: cpus().length,
      streams: STREAMS,
      workers: Number(CONCURRENCY),
      events: expected,
      delivered: seen.size,
      duplicates,
      emitSeconds: (emittedAt - firstAt) / 1000,
      deliveriesPerSecond: Math.round((seen.size / seconds) * 10) / 10,
      cpuMsPerDelivery: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(seen.size, 1)) * 1000) / 1000,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
    };
    const dir = join(
      resolve(process.env.BENCH_RESULTS_DIR ?? join(__dirname, '..', '..', 'bench', 'results')),
      `${result.at.replace(/[:.]/g, '-')}-webhooks`,
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      join(dir, 'results.md'),
      [
        `# webhooks bench ${result.at}`,
        '',
        `${result.database}, ${result.cpus} CPUs, ${result.workers} workers, ${result.streams} streams`,
        '',
        '| events | delivered | duplicates | deliveries/s | p50 ms | p99 ms | max ms | CPU ms/delivery |',
        '|---|---|---|---|---|---|---|---|',
        `| ${result.events} | ${result.delivered} | ${result.duplicates} | ${result.deliveriesPerSecond} | ${result.latencyMs.p50} | ${result.latencyMs.p99} | ${result.latencyMs.max} | ${result.cpuMsPerDelivery} |`,
        '',
        'CPU: this process (api, delivery workers, event-making client and receiver together; not Postgres).',
        '',
      ].join('\n'),
    );
    console.log(JSON.stringify(result, null, 2));
    console.log(`results: ${dir}`);
    if (result.delivered < result.events || duplicates > 0) process.exitCode = 1;
  } finally {
    await api.close();
    receiver.closeAllConnections();
    receiver.close();
  }
}

void main();
