import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OnStatusInfo, type RtmpClientStream } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { type RunningEdge, startEdge } from './support/edge-harness';
import { eventually, withDeadline } from './support/edge-process';

/** An AVC keyframe and an inter frame (FLV VideoTagHeader + NALU packet) with dummy payloads. */
const KEYFRAME = Buffer.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65]);
const INTER_FRAME = Buffer.from([0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41]);
/** A raw AAC frame: sent last, it marks the end of what a viewer should have received. */
const SENTINEL_AUDIO = Buffer.from([0xaf, 0x01, 0x21]);

describe('repeated commands on one RTMP connection cost what they legitimately ask for', {
  timeout: 60_000,
}, () => {
  let run: RunningEdge;
  const clients: RtmpClient[] = [];
  const client = async () => {
    const c = new RtmpClient({ url: run.rtmpUrl, timeoutMs: 8000 });
    clients.push(c);
    await c.connect();
    return c;
  };
  const status = (stream: RtmpClientStream, code: string) =>
    withDeadline(
      new Promise<OnStatusInfo>((resolve) => {
        const on = (info: OnStatusInfo) => {
          if (info.code !== code) return;
          stream.off('status', on);
          resolve(info);
        };
        stream.on('status', on);
      }),
      8000,
      code,
    );
  /** A viewer counting what it receives until the sentinel audio frame arrives. */
  const viewer = async (playbackId: string) => {
    const c = await client();
    const stream = await c.createStream();
    const got = { video: 0, playStarts: 0, sentinel: false };
    stream.on('media', (m) => {
      if (m.typeId === 9) got.video += 1;
      else if (m.payload.equals(SENTINEL_AUDIO)) got.sentinel = true;
    });
    stream.on('status', (s) => {
      if (s.code === 'NetStream.Play.Start') got.playStarts += 1;
    });
    await c.play(playbackId, { stream });
    return { c, stream, got };
  };

  before(async () => {
    // A long idle timeout: a phantom publisher must not be hidden by a takeover of a silent one.
    run = await startEdge({ PUBLISHER_IDLE_TIMEOUT_MS: '60000' });
    run.api.allow('cycle-key', { playbackId: 'cyclepb' });
    run.api.allow('replay-key', { playbackId: 'replaypb' });
  });

  after(async () => {
    for (const c of clients) c.close();
    await run.stop();
  });

  it('40 publish/closeStream cycles on one stream, then 50 frames: the viewer gets 50, and no phantom holds the stream', async () => {
    const watcher = await viewer('cyclepb');
    const publisher = await client();
    const stream = await publisher.createStream();
    const publish = async () => {
      const started = status(stream, 'NetStream.Publish.Start');
      publisher.sendCommand(
        { name: 'publish', transactionId: 0, object: null, args: ['cycle-key', 'live'] },
        stream.messageStreamId,
      );
      await started;
    };
    for (let i = 0; i < 40; i++) {
      await publish();
      const stopped = status(stream, 'NetStream.Unpublish.Success');
      publisher.sendCommand(
        { name: 'closeStream', transactionId: 0, object: null, args: [] },
        stream.messageStreamId,
      );
      await stopped;
    }
    await publish();
    for (let i = 0; i < 50; i++) stream.sendMedia({ typeId: 9, timestamp: i * 40, payload: KEYFRAME });
    stream.sendMedia({ typeId: 8, timestamp: 2000, payload: SENTINEL_AUDIO });
    await eventually(() => watcher.got.sentinel, 'the sentinel frame');
    assert.equal(watcher.got.video, 50, 'each frame once, not once per earlier publish');

    // Once the connection is gone the stream is free at once (no idle-timeout takeover needed).
    publisher.close();
    await eventually(
      () => run.edge.registry.get('cyclepb')?.publisher === undefined,
      'the publisher to be released',
    );
    const next = await client();
    await next.publish('cycle-key');
    assert.equal(run.edge.registry.get('cyclepb')?.isLive, true);
    next.close();
  });

  it('a repeated play of the stream already playing replays nothing', async () => {
    const publisher = await client();
    const stream = await publisher.publish('replay-key');
    stream.sendMedia({ typeId: 9, timestamp: 0, payload: KEYFRAME });
    for (let i = 1; i < 10; i++) stream.sendMedia({ typeId: 9, timestamp: i * 40, payload: INTER_FRAME });
    await eventually(() => run.edge.registry.get('replaypb')?.isLive === true, 'the stream to be live');

    const watcher = await viewer('replaypb');
    await eventually(() => watcher.got.video === 10, 'the cached GOP');
    for (let i = 0; i < 100; i++) {
      watcher.c.sendCommand(
        { name: 'play', transactionId: 0, object: null, args: ['replaypb', -2, -1, true] },
        watcher.stream.messageStreamId,
      );
    }
    // Commands run in order: once this one is answered, every play before it has been handled.
    await watcher.c.call('getStreamLength', null, 'replaypb');
    stream.sendMedia({ typeId: 8, timestamp: 400, payload: SENTINEL_AUDIO });
    await eventually(() => watcher.got.sentinel, 'the sentinel frame');
    assert.equal(watcher.got.video, 10, 'the GOP was replayed once, for the one real play');
    assert.equal(watcher.got.playStarts, 1);
    publisher.close();
  });
});
