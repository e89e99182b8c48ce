import { createLogger } from '@tributary/service-kit';
import { DEFAULT_WAIT_MS, waitUntil } from '@tributary/test-kit';
import { parseEdgeConfig } from '../../src/config';
import { Edge } from '../../src/edge';
import { FakeControlPlane } from './fake-control-plane';

export interface RunningEdge {
  edge: Edge;
  api: FakeControlPlane;
  rtmpUrl: string;
  httpUrl: string;
  stop(): Promise<void>;
}

/** An in-process edge on free ports, authorised by a fake control plane. */
export async function startEdge(env: Record<string, string> = {}): Promise<RunningEdge> {
  const api = new FakeControlPlane();
  const apiUrl = await api.start();
  const cfg = parseEdgeConfig({
    EDGE_API_URL: apiUrl,
    EDGE_API_TOKEN: api.credential,
    RTMP_HOST: '127.0.0.1',
    RTMP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    DRAIN_TIMEOUT_MS: '3000',
    ...env,
  });
  const logger = createLogger({
    name: 'edge-test',
    level: process.env.TEST_LOG_LEVEL ?? 'silent',
    format: 'json',
  });
  const edge = new Edge(cfg, logger);
  const addresses = await edge.start();
  return {
    edge,
    api,
    rtmpUrl: `rtmp://127.0.0.1:${addresses.rtmp.port}/${cfg.RTMP_APP}`,
    httpUrl: `http://127.0.0.1:${addresses.http.port}`,
    async stop() {
      await edge.stop();
      await api.stop();
    },
  };
}

/**
 * Polls `check` until it holds; fails the test with `what` once `timeoutMs` passes (a deadline that turns
 * a hang into a clear failure, not a timing assertion).
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  stepMs = 50,
  timeoutMs = DEFAULT_WAIT_MS,
  what = 'a condition of the test',
): Promise<void> {
  await waitUntil(check, { stepMs, timeoutMs, what });
}
