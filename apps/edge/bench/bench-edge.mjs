// The edge under test for both bench scripts: its own process (node dist/src/main.js, so its CPU and
// RSS are measured alone) on free loopback ports, authorised by an already started in-test control
// plane (test/support/fake-control-plane), resolved once /readyz answers.
import { spawn } from 'node:child_process';
import { freePort } from '@tributary/test-kit';
import { edgeDir } from './lib/paths.mjs';

export { edgeDir };

/** @returns {Promise<{ edge: import('node:child_process').ChildProcess, rtmpPort: number, httpPort: number, httpUrl: string }>} */
export async function startBenchEdge(apiUrl, credential, env = {}) {
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const edge = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: edgeDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      EDGE_API_URL: apiUrl,
      EDGE_API_TOKEN: credential,
      RTMP_HOST: '127.0.0.1',
      RTMP_PORT: String(rtmpPort),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      // every bench viewer comes from 127.0.0.1: the per-address cap would refuse all past the 200th
      MAX_CONNECTIONS_PER_IP: '100000',
      ...env,
    },
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; i < 100; i++) {
    if (edge.exitCode !== null) throw new Error(`the edge exited with ${edge.exitCode} before it was ready`);
    const ok = await fetch(`${httpUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { edge, rtmpPort, httpPort, httpUrl };
    await new Promise((r) => setTimeout(r, 100));
  }
  edge.kill('SIGTERM');
  throw new Error(`the edge did not become ready (${httpUrl}/readyz)`);
}
