import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MessageType } from '@tributary/rtmp-core';
import type { RtmpClient } from '@tributary/rtmp-core/node';
import {
  type JsonLogProcess,
  killAndWait,
  withDeadline as kitWithDeadline,
  spawnJsonLogProcess,
  waitUntil,
} from '@tributary/test-kit';
import { FakeControlPlane } from './fake-control-plane';

const MAIN = resolve(__dirname, '../../src/main.js');

export interface EdgeProcess {
  proc: JsonLogProcess;
  api: FakeControlPlane;
  rtmpUrl: string;
  httpUrl: string;
  /** VmRSS of the edge process, in bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * The edge as its own process (`node dist/src/main.js`), authorised by an in-test fake control plane:
 * for tests where the edge may stall or grow (the test process stays free to notice and fail), or where
 * its memory and log lines are measured.
 */
export async function startEdgeProcess(env: Record<string, string> = {}): Promise<EdgeProcess> {
  const api = new FakeControlPlane();
  const apiUrl = await api.start();
  const proc = spawnJsonLogProcess(MAIN, {
    stderr: 'inherit',
    env: {
      ...process.env,
      EDGE_API_URL: apiUrl,
      EDGE_API_TOKEN: api.credential,
      RTMP_HOST: '127.0.0.1',
      RTMP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DRAIN_TIMEOUT_MS: '2000',
      ...env,
    },
  });
  const ready = await withDeadline(
    proc.waitForLog((l) => l.msg === 'edge ready', 'edge ready'),
    15_000,
    'the edge process logging "edge ready"',
  );
  const pid = proc.child.pid;
  return {
    proc,
    api,
    rtmpUrl: `rtmp://${String(ready.rtmp)}/live`,
    httpUrl: `http://${String(ready.http)}`,
    rss() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
      return Number(kb) * 1024;
    },
    async stop() {
      await killAndWait(proc.child);
      await api.stop();
    },
  };
}

/** Rejects with `what` when `promise` has not settled within `ms` (test-kit's withDeadline). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return kitWithDeadline(promise, what, ms);
}

/** Polls `check` every `stepMs` until it holds; fails naming `what` after `ms` (test-kit's waitUntil). */
export function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
  stepMs = 50,
): Promise<void> {
  return waitUntil(check, { what, timeoutMs: ms, stepMs });
}

/**
 * Polls `check` (every 50 ms) until it returns a value other than undefined or false, and resolves with
 * it; fails naming `what` after `ms`.
 */
export async function within<T>(
  ms: number,
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== (false as unknown)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET `url` within `ms` (the caller's normal timeout); resolves with the status. */
export async function getWithin(url: string, ms: number): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Plays `name` with our `client` until `frames` video messages arrived (failing after `timeoutMs`);
 * resolves with how many arrived.
 */
export async function playFrames(
  client: RtmpClient,
  name: string,
  frames: number,
  timeoutMs = 20_000,
): Promise<number> {
  await client.connect();
  const stream = await client.createStream();
  let video = 0;
  stream.on('media', (m: { typeId: number }) => {
    if (m.typeId === MessageType.Video) video++;
  });
  await client.play(name, { stream });
  await waitUntil(() => video >= frames, { what: `${frames} video frames`, timeoutMs });
  return video;
}
