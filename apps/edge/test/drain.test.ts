import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAndWait, type LogLine, spawnJsonLogProcess } from '@tributary/test-kit';
import { until } from './support/edge-harness';
import { FakeControlPlane } from './support/fake-control-plane';
import { Peers } from './support/peers';

const MAIN = resolve(__dirname, '../src/main.js');
const KEYS = ['drainkey1secret', 'drainkey2secret'];

describe('edge process: SIGTERM drains gracefully (docs/reliability.md: graceful-drain)', {
  timeout: 60_000,
}, () => {
  const peers = new Peers();
  const api = new FakeControlPlane();
  const dir = mkdtempSync(join(tmpdir(), 'edge-drain-'));
  const clip = join(dir, 'clip.flv');
  let logLines: LogLine[] = [];
  let edge: ChildProcess;
  let rtmpUrl = '';

  before(async () => {
    await peers.makeClip(clip);
    // Ids unrelated to the keys, so a key found in the logs can only be a leak.
    for (const [i, key] of KEYS.entries()) api.allow(key, { playbackId: `pb${i}`, liveStreamId: `ls${i}` });
    const apiUrl = await api.start();
    const edgeProcess = spawnJsonLogProcess(MAIN, {
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
        DRAIN_TIMEOUT_MS: '5000',
      },
    });
    edge = edgeProcess.child;
    logLines = edgeProcess.lines;
    const ready = await edgeProcess.waitForLog((l) => l.msg === 'edge ready', 'edge ready');
    rtmpUrl = `rtmp://${String(ready.rtmp)}/live`;
  });

  after(async () => {
    await peers.stopAll();
    await killAndWait(edge);
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells publishers and viewers, reports session ends and exits 0', async (t) => {
    const publishers = KEYS.map((key) => peers.publish(clip, `${rtmpUrl}/${key}`));
    await until(() => api.calls.sessionStarts.length === KEYS.length);
    const viewers = [0, 1, 2].map((i) => {
      const child = peers.spawn('ffmpeg', ['-v', 'error', '-i', `${rtmpUrl}/pb${i % 2}`, '-f', 'null', '-']);
      return once(child, 'exit');
    });
    await until(() => logLines.filter((l) => l.msg === 'playing').length === 3);

    const edgeExit = once(edge, 'exit');
    const publisherExits = publishers.map((p) => once(p, 'exit'));
    const signalledAt = Date.now();
    edge.kill('SIGTERM');
    const [code] = await edgeExit;
    t.diagnostic(`edge exited ${Date.now() - signalledAt} ms after SIGTERM`);
    assert.equal(code, 0);
    await Promise.all([...viewers, ...publisherExits]);

    assert.deepEqual(
      api.calls.ends.map((e) => e.body.reason),
      ['shutdown', 'shutdown'],
    );
    const closed = logLines.filter((l) => l.msg === 'closed');
    assert.ok(closed.length >= 5, 'one closed line per connection');
    assert.ok(closed.every((l) => typeof l.connId === 'string' && typeof l.reason === 'string'));
    const everything = JSON.stringify(logLines);
    for (const key of KEYS) assert.ok(!everything.includes(key), 'no stream key in the logs (T4)');
  });
});
