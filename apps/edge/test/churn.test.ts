import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

/** Scaled down from docs/reliability.md: viewer-churn's 10,000 (that figure belongs in a scripted scenario, not a unit run). */
const ROUNDS = 200;
const CONCURRENCY = 20;
/** RTMP handshake: C0 is the version byte (3), C1 is 1536 bytes (spec 5.2.2, 5.2.3). */
const C0_C1 = Buffer.concat([Buffer.from([3]), randomBytes(1536)]);

const openFds = () => readdirSync('/proc/self/fd').length;

describe('viewer churn: clean closes, resets and aborts leave nothing behind (docs/reliability.md: viewer-churn, scaled down)', {
  timeout: 120_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-churn-'));
  let run: RunningEdge;
  let port = 0;

  before(async () => {
    const clip = join(dir, 'clip.flv');
    await peers.makeClip(clip);
    run = await startEdge();
    port = Number(new URL(run.rtmpUrl).port);
    run.api.allow('churn-key', { playbackId: 'churnpb' });
    peers.publish(clip, `${run.rtmpUrl}/churn-key`);
    await until(() => run.edge.registry.get('churnpb')?.isLive === true);
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Plays until the first media message, then closes cleanly. */
  async function cleanPlay(): Promise<void> {
    const client = new RtmpClient({ url: run.rtmpUrl, timeoutMs: 8000 });
    await client.connect();
    const stream = await client.play('churnpb');
    await once(stream, 'media');
    client.close();
  }

  /** Sends C0+C1 and resets the connection (RST) before the handshake completes. */
  async function resetMidHandshake(): Promise<void> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(C0_C1);
    await once(socket, 'data');
    socket.resetAndDestroy();
  }

  /** Sends part of C1 and half-closes (FIN) mid-handshake. */
  async function abortMidHandshake(): Promise<void> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end(C0_C1.subarray(0, 100));
    await once(socket, 'close');
  }

  /** A librtmp player killed while it plays: its connection dies mid-stream. */
  async function killMidPlay(): Promise<void> {
    const dump = peers.spawn('rtmpdump', ['-q', '--live', '-r', `${run.rtmpUrl}/churnpb`, '-o', '/dev/null']);
    const exited = once(dump, 'exit');
    await until(() => (run.edge.registry.get('churnpb')?.viewers.size ?? 0) > 0);
    dump.kill('SIGKILL');
    await exited;
  }

  it('returns connections, viewers and file descriptors to their baseline', async (t) => {
    await cleanPlay();
    await until(() => run.edge.registry.get('churnpb')?.viewers.size === 0);
    const baselineFds = openFds();
    const kinds = [cleanPlay, resetMidHandshake, abortMidHandshake, killMidPlay];
    for (let start = 0; start < ROUNDS; start += CONCURRENCY) {
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => kinds[(start + i) % kinds.length]!()));
    }
    await until(() => run.edge.registry.get('churnpb')?.viewers.size === 0);
    const metrics = () => fetch(`${run.httpUrl}/metrics`).then((r) => r.text());
    // Only the publisher's connection remains.
    await until(async () => /^tributary_edge_connections 1$/m.test(await metrics()));
    const fds = openFds();
    t.diagnostic(`fds: baseline ${baselineFds}, after ${ROUNDS} churned connections ${fds}`);
    assert.ok(Math.abs(fds - baselineFds) <= 5, `fds ${fds} vs baseline ${baselineFds}`);
    assert.equal(run.edge.registry.get('churnpb')?.isLive, true, 'the stream itself is unaffected');
  });
});
