import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OnStatusInfo, type RtmpClientStream } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { type RunningEdge, startEdge } from './support/edge-harness';
import { eventually } from './support/edge-process';

const PER_IP = 8;
const WAITING = 4;

describe('viewers waiting for a publisher are held to the connection and viewer caps', {
  timeout: 60_000,
}, () => {
  let run: RunningEdge;
  const clients: RtmpClient[] = [];
  const client = () => {
    const c = new RtmpClient({ url: run.rtmpUrl, timeoutMs: 8000 });
    clients.push(c);
    return c;
  };
  /** A viewer of a stream that is not live: it waits; `codes` records every onStatus it gets. */
  const waitingViewer = async (playbackId: string) => {
    const c = client();
    await c.connect();
    const stream: RtmpClientStream = await c.createStream();
    const codes: string[] = [];
    stream.on('status', (s: OnStatusInfo) => codes.push(s.code));
    let closed = false;
    c.on('close', () => {
      closed = true;
    });
    await c.play(playbackId, { stream });
    return { c, codes, closed: () => closed };
  };
  const closeAll = async () => {
    for (const c of clients.splice(0)) c.close();
    await eventually(
      () => run.edge.metrics.registry.render().includes('tributary_edge_connections 0'),
      'no connection left',
    );
  };

  before(async () => {
    run = await startEdge({ MAX_CONNECTIONS_PER_IP: String(PER_IP), MAX_WAITING_VIEWERS: String(WAITING) });
    run.api.allow('capped-key', { playbackId: 'cappedpb', maxViewers: 2 });
  });

  after(async () => {
    for (const c of clients) c.close();
    await run.stop();
  });

  it('refuses connections from one address past MAX_CONNECTIONS_PER_IP, and admits again once one leaves', async () => {
    const open: RtmpClient[] = [];
    for (let i = 0; i < PER_IP; i++) {
      const c = client();
      await c.connect();
      open.push(c);
    }
    await assert.rejects(client().connect(), 'one connection too many from 127.0.0.1');
    open[0]?.close();
    await eventually(async () => {
      const c = client();
      try {
        await c.connect();
        return true;
      } catch {
        return false;
      }
    }, 'a connection to be admitted again');
    await closeAll();
  });

  it('refuses a waiting viewer past MAX_WAITING_VIEWERS with NetStream.Play.Failed', async () => {
    const waiting = [];
    for (let i = 0; i < WAITING; i++) waiting.push(await waitingViewer(`nobody${i % 2}`));
    const late = await waitingViewer('nobody0');
    await eventually(() => late.codes.includes('NetStream.Play.Failed') && late.closed(), 'the refusal');
    assert.ok(waiting.every((w) => !w.closed() && !w.codes.includes('NetStream.Play.Failed')));
    await closeAll();
  });

  it("applies the stream's maxViewers to waiting viewers when the publisher arrives", async () => {
    const waiting = [];
    for (let i = 0; i < 3; i++) waiting.push(await waitingViewer('cappedpb'));
    const publisher = client();
    await publisher.connect();
    await publisher.publish('capped-key');
    const [first, second, third] = waiting;
    await eventually(
      () => third?.codes.includes('NetStream.Play.Failed') === true && third.closed(),
      'the third viewer refused',
    );
    await eventually(
      () => [first, second].every((w) => w?.codes.includes('NetStream.Play.PublishNotify')),
      'the first two told the stream is live',
    );
    assert.ok(!first?.closed() && !second?.closed());
    assert.equal(run.edge.registry.get('cappedpb')?.viewers.size, 2);
    await closeAll();
  });
});
