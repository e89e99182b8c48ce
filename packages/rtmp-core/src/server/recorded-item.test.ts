import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type RtmpClientStream } from '../client/client-stream';
import { RtmpClientCore } from '../client/rtmp-client';
import { metadataObject } from '../message/data';
import { MessageType } from '../message/message-types';
import { type OnStatusInfo } from '../message/on-status';
import { memoryTransportPair } from '../transport/memory-transport';
import { type RtmpDialer } from '../transport/transport';
import { RtmpServerCore } from './rtmp-server-core';
import { type RtmpServerStream } from './server-stream';

/**
 * Recorded items (the onPlay hook answers `recorded`): what the server does for a file the application
 * plays. Without a port: server and client run on in-memory transports. The "player" here is the test:
 * it sends a frame on 'play' and on 'seek' and calls complete(), as apps/edge's on-demand player does.
 */
const DEADLINE_MS = 10_000;

function waitFor<T>(what: string, register: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

/** Polls a condition nothing announces (every 5 ms) until the deadline. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Everything the viewer saw on its stream, in order. */
function log(stream: RtmpClientStream): string[] {
  const seen: string[] = [];
  stream.on('status', (i: OnStatusInfo) => seen.push(`status:${i.code}`));
  stream.on('control', (e) => seen.push(`control:${e.type}`));
  stream.on('data', (m) => {
    if (m.name === 'onPlayStatus')
      seen.push(`playStatus:${String(metadataObject(m.values[0] ?? null)?.code)}`);
  });
  stream.on('media', (m) => seen.push(`media:${m.timestamp}`));
  return seen;
}

describe('recorded items', () => {
  const playing: RtmpServerStream[] = [];
  const server = new RtmpServerCore({
    hooks: {
      onPlay: (_stream, req) =>
        req.name.startsWith('vod_') ? { allow: true, recorded: { durationMs: 5_000 } } : { allow: true },
      onStreamLength: (_conn, req) => (req.name.startsWith('vod_') ? 5 : 0),
    },
  });
  server.on('play', (stream) => {
    playing.push(stream);
    const frame = (ts: number) =>
      stream.connection.send({
        csid: 6,
        timestamp: ts,
        typeId: MessageType.Video,
        messageStreamId: stream.messageStreamId,
        payload: Buffer.from([0x17, 1, 0, 0, 0, 0xaa]),
      });
    frame(stream.playRequest?.start && stream.playRequest.start > 0 ? stream.playRequest.start : 0);
    stream.on('seek', (ms) => frame(ms));
  });
  const dial: RtmpDialer = async () => {
    const [s, c] = memoryTransportPair();
    server.accept(s);
    return c;
  };
  const clients: RtmpClientCore[] = [];
  after(() => {
    for (const c of clients) c.close();
    server.closeConnections();
  });

  async function viewer(): Promise<{ client: RtmpClientCore; stream: RtmpClientStream; seen: string[] }> {
    const client = new RtmpClientCore({ url: 'rtmp://memory/vod', dial });
    clients.push(client);
    await client.connect();
    const stream = await client.createStream();
    return { client, stream, seen: log(stream) };
  }

  it('answers getStreamLength from the hook: a file has a length, live has none', async () => {
    const { client } = await viewer();
    assert.equal(await client.getStreamLength('vod_a'), 5);
    assert.equal(await client.getStreamLength('live_a'), 0);
  });

  it('announces StreamIsRecorded, answers a seek with Seek.Notify then Play.Start, and completes with StreamEOF, Play.Complete, Play.Stop', async () => {
    const { client, stream, seen } = await viewer();
    stream.setBufferLength(3_000);
    await client.play('vod_a', { stream });
    const server0 = playing.at(-1)!;
    await waitFor<void>('the buffer length', (done) =>
      server0.bufferLengthMs === 3_000 ? done() : server0.once('buffer', () => done()),
    );
    assert.equal(server0.recorded?.durationMs, 5_000);
    await until('the first frame', () => seen.includes('media:0'));
    stream.seek(2_000);
    await until('the frame after the seek', () => seen.includes('media:2000'));
    server0.complete();
    await waitFor<void>('Play.Stop', (done) => {
      const on = (i: OnStatusInfo) => i.code === 'NetStream.Play.Stop' && done();
      stream.on('status', on);
    });
    assert.deepEqual(seen, [
      'control:StreamBegin',
      'control:StreamIsRecorded',
      'status:NetStream.Play.Reset',
      'status:NetStream.Play.Start',
      'media:0',
      'status:NetStream.Seek.Notify',
      'control:StreamBegin',
      'status:NetStream.Play.Start',
      'media:2000',
      'control:StreamEOF',
      'playStatus:NetStream.Play.Complete',
      'status:NetStream.Play.Stop',
    ]);
    assert.equal(server0.state, 'idle');
  });

  it('ignores complete() on a live play, which waits for its publisher', async () => {
    const { client, stream, seen } = await viewer();
    await client.play('live_b', { stream });
    const live = playing.at(-1)!;
    assert.equal(live.recorded, null);
    live.complete();
    await client.getStreamLength('live_b'); // every command before it has run
    assert.equal(live.state, 'playing');
    assert.ok(!seen.some((s) => s.includes('Complete') || s.includes('StreamEOF')));
  });

  it('moves a play list on to its next item when a recorded item completes', async () => {
    const { client, stream, seen } = await viewer();
    await client.play('vod_first', { stream });
    client.sendCommand(
      { name: 'play', transactionId: 0, object: null, args: ['vod_second', -2, -1, false] },
      stream.messageStreamId,
    );
    await client.getStreamLength('x');
    playing.at(-1)!.complete();
    await waitFor<void>('the second item', (done) =>
      server.once('play', (s) => s.playRequest?.name === 'vod_second' && done()),
    );
    playing.at(-1)!.complete();
    await waitFor<void>('Play.Stop', (done) =>
      stream.on('status', (i: OnStatusInfo) => i.code === 'NetStream.Play.Stop' && done()),
    );
    assert.ok(seen.includes('playStatus:NetStream.Play.Switch'), seen.join(', '));
    assert.equal(seen.filter((s) => s === 'control:StreamEOF').length, 2);
    assert.equal(seen.at(-2), 'playStatus:NetStream.Play.Complete');
  });
});
