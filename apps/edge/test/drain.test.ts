import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlvReader, FlvTagType, MessageType } from '@tributary/rtmp-core';
import { ReconnectingPublisher, RtmpClient } from '@tributary/rtmp-core/node';
import { killAndWait, type LogLine, spawnJsonLogProcess, waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle } from './support/control-plane';
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
    for (const key of KEYS) assert.ok(!everything.includes(key), 'no stream key in the logs');
  });
});

/**
 * Drain without dropping the encoder (Enhanced RTMP v2 ReconnectRequest, issue 11): a publisher that
 * announces capsEx Reconnect publishes to A; a viewer watches on C (pulled from A). SIGTERM on A sends
 * the publisher a ReconnectRequest naming another edge; it republishes there before leaving A, and the
 * viewer on C keeps getting video from the stream's new origin.
 */
describe('drain: an E-RTMP v2 publisher moves to another edge and its viewers elsewhere keep playing', {
  timeout: 120_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-drain-move-'));
  const clip = join(dir, 'clip.flv');
  let plane: ControlPlane;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let c: EdgeHandle;
  let publisher: ReconnectingPublisher | undefined;
  let feeding: NodeJS.Timeout | undefined;
  let viewerClient: RtmpClient | undefined;
  const videoAt: number[] = [];

  before(async () => {
    await peers.makeClip(clip, 4);
    plane = await ControlPlane.start({ dir });
    const tenant = await plane.newTenant('Draining');
    const stream = await plane.newStream(tenant, 'moving');
    const env = { RELAY_LINGER_MS: '1000', RELAY_STALL_TIMEOUT_MS: '3000', DRAIN_TIMEOUT_MS: '10000' };
    [a, b, c] = (await Promise.all(
      ['a', 'b', 'c'].map((n) => plane.startEdge({ name: `edge-${n}`, env })),
    )) as [EdgeHandle, EdgeHandle, EdgeHandle];
    publisher = await new ReconnectingPublisher({
      url: a.rtmp,
      name: stream.streamKey,
      timeoutMs: 20_000,
    }).start();
    feeding = feedInRealTime(readFileSync(clip), publisher);
    viewerClient = new RtmpClient({ url: c.rtmp, timeoutMs: 20_000 });
    await viewerClient.connect();
    const s = await viewerClient.createStream();
    s.on('media', (m: { typeId: number }) => {
      if (m.typeId === MessageType.Video) videoAt.push(Date.now());
    });
    await viewerClient.play(stream.playbackId, { stream: s });
    await waitUntil(() => videoAt.length >= 25, { what: 'video on C', timeoutMs: 20_000 });
  });

  after(async () => {
    clearInterval(feeding);
    publisher?.close();
    viewerClient?.close();
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM on A: the publisher is asked to reconnect, republishes on another edge, C keeps playing, A exits 0', async () => {
    assert.ok(publisher);
    const moved = once(publisher, 'reconnected');
    const exited = once(a.proc.child, 'exit');
    a.proc.child.kill('SIGTERM');
    const [target] = (await withDeadline(moved, 'the publisher reconnected elsewhere', 15_000)) as [string];
    assert.ok(target.startsWith(b.rtmp) || target.startsWith(c.rtmp), `moved to ${target}`);
    assert.equal(publisher.reconnectCount, 1);
    const [code] = (await withDeadline(exited, 'A exited', 20_000)) as [number | null];
    assert.equal(code, 0);
    const after = Date.now();
    await waitUntil(() => videoAt.filter((t) => t > after).length >= 25, {
      what: 'video on C after the publisher moved',
      timeoutMs: 20_000,
    });
  });
});

/** Sends the clip's tags at their timestamps, looping with an offset; returns the pacing timer. */
function feedInRealTime(flv: Buffer, out: ReconnectingPublisher): NodeJS.Timeout {
  const tags = new FlvReader().push(flv);
  const duration = (tags.at(-1)?.timestampMs ?? 0) + 40;
  const started = Date.now();
  let next = 0;
  let loop = 0;
  return setInterval(() => {
    const now = Date.now() - started;
    for (;;) {
      const tag = tags[next];
      if (tag === undefined) {
        next = 0;
        loop++;
        continue;
      }
      const at = tag.timestampMs + loop * duration;
      if (at > now) return;
      next++;
      if (tag.type === FlvTagType.ScriptData) continue;
      out.sendMedia({ typeId: tag.type, timestamp: at, payload: tag.payload });
    }
  }, 10);
}
