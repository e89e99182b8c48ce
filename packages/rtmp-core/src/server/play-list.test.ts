import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RtmpClientStream } from '../client/client-stream';
import { RtmpClientCore } from '../client/rtmp-client';
import { metadataObject } from '../message/data';
import { type DataMessage, type MediaMessage } from '../message/media-message';
import { MessageType } from '../message/message-types';
import { type OnStatusInfo } from '../message/on-status';
import { type MemoryLiveServer, startMemoryLiveServer } from '../testing/memory-live-server';
import type { RtmpServerStream } from './server-stream';

/**
 * Hand-built FLV video tag bodies (spec: E.4.3.1 VIDEODATA, AVCVIDEOPACKET): 0x17 = keyframe + AVC,
 * 0x27 = inter frame + AVC; packet type 0 = sequence header, 1 = NALUs. The last byte marks the stream
 * (and the frame), so the viewer can tell where each message came from.
 */
const videoTag = (head: number, packetType: number, marker: number): Buffer =>
  Buffer.from([head, packetType, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, marker]);
const config = (marker: number) => videoTag(0x17, 0, marker);
const keyframe = (marker: number) => videoTag(0x17, 1, marker);
const interFrame = (marker: number) => videoTag(0x27, 1, marker);

/** How long `until` waits before it fails the test. */
const UNTIL_DEADLINE_MS = 30_000;

/** Waits for a condition the test cannot be told about by an event (checked every 10 ms), with a deadline. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + UNTIL_DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${UNTIL_DEADLINE_MS} ms waiting for ${condition}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What the viewer saw, in order: `status:<code>`, `playStatus:<code>` and `media:<marker>:<role>`. */
class ViewerLog {
  readonly entries: string[] = [];

  constructor(stream: RtmpClientStream) {
    stream.on('status', (info: OnStatusInfo) => this.entries.push(`status:${info.code}`));
    stream.on('data', (msg: DataMessage) => {
      const info = metadataObject(msg.values[0] ?? null);
      if (msg.name === 'onPlayStatus') this.entries.push(`playStatus:${String(info?.code)}`);
    });
    stream.on('media', (m: MediaMessage) => {
      const role = m.payload[1] === 0 ? 'config' : m.payload[0] === 0x17 ? 'keyframe' : 'frame';
      this.entries.push(`media:${m.payload.at(-1)}:${role}`);
    });
  }

  has(entry: string): boolean {
    return this.entries.includes(entry);
  }

  /** The entries after the first `entry`. */
  after(entry: string): string[] {
    const at = this.entries.indexOf(entry);
    assert.ok(at >= 0, `${entry} not seen in ${this.entries.join(', ')}`);
    return this.entries.slice(at + 1);
  }
}

/** Without a port: server and clients talk over in-memory transports (the protocol alone is under test). */
describe('play lists and play2 transitions', { timeout: 30_000 }, () => {
  const clients: RtmpClientCore[] = [];
  let live: MemoryLiveServer;

  before(() => {
    // Writes at once (no merged writes), so "B did not arrive before A" is decided by arrival order alone.
    live = startMemoryLiveServer({}, undefined, { mergeWriteMs: 0 });
  });

  after(() => {
    for (const c of clients) c.close();
    live.close();
  });

  async function connected(): Promise<RtmpClientCore> {
    const c = new RtmpClientCore({ url: 'rtmp://memory/live', dial: live.dial });
    clients.push(c);
    await c.connect();
    return c;
  }

  /** A publisher of `name`, and a send that returns once the server's broadcast has taken the message. */
  async function publisher(name: string) {
    const stream = await (await connected()).publish(name);
    let sent = 0;
    return {
      stream,
      async send(payload: Buffer): Promise<void> {
        stream.sendMedia({ typeId: MessageType.Video, timestamp: sent * 33, payload });
        sent++;
        await until(() => (live.broadcasts.get(name)?.stats.messagesIn ?? 0) >= sent);
      },
    };
  }

  /** A viewer stream with its log attached before any play command. */
  async function viewer(): Promise<{ client: RtmpClientCore; stream: RtmpClientStream; log: ViewerLog }> {
    const client = await connected();
    const stream = await client.createStream();
    return { client, stream, log: new ViewerLog(stream) };
  }

  function sendPlay(
    client: RtmpClientCore,
    stream: RtmpClientStream,
    name: string,
    reset: boolean,
    duration = -1,
  ): void {
    client.sendCommand(
      { name: 'play', transactionId: 0, object: null, args: [name, -2, duration, reset] },
      stream.messageStreamId,
    );
  }

  /** A NetConnection call answered after every command before it on the connection (they run in order). */
  async function processed(client: RtmpClientCore): Promise<void> {
    await client.call('getStreamLength', null, 'x');
  }

  it('plays A then B after A unpublishes when B was played with reset=false, and completes after B', async () => {
    const a = await publisher('list_a');
    const b = await publisher('list_b');
    await a.send(config(1));
    await a.send(keyframe(1));
    await b.send(config(2));
    await b.send(keyframe(2));
    const { client, stream, log } = await viewer();
    await client.play('list_a', { stream });
    sendPlay(client, stream, 'list_b', false);
    await processed(client);
    await a.send(interFrame(1));
    await until(() => log.has('media:1:frame'));
    assert.ok(!log.entries.some((e) => e.startsWith('media:2')), 'B played before A ended');

    a.stream.close();
    await until(() => log.has('media:2:keyframe'));
    assert.deepEqual(log.after('status:NetStream.Play.UnpublishNotify'), [
      'playStatus:NetStream.Play.Switch',
      'status:NetStream.Play.Start',
      'media:2:config',
      'media:2:keyframe',
    ]);
    await b.send(interFrame(2));
    await until(() => log.has('media:2:frame'));

    b.stream.close();
    await until(() => log.has('status:NetStream.Play.Stop'));
    assert.deepEqual(log.after('media:2:frame'), [
      'status:NetStream.Play.UnpublishNotify',
      'playStatus:NetStream.Play.Complete',
      'status:NetStream.Play.Stop',
    ]);
  });

  it('replaces the play list on a play with reset=true (Play.Reset, Play.Start, then only B)', async () => {
    const a = await publisher('reset_a');
    const b = await publisher('reset_b');
    await a.send(keyframe(3));
    await b.send(keyframe(4));
    const { client, stream, log } = await viewer();
    await client.play('reset_a', { stream });
    sendPlay(client, stream, 'reset_c', false);
    await client.play('reset_b', { stream, reset: true });
    assert.deepEqual(log.after('media:3:keyframe').slice(0, 2), [
      'status:NetStream.Play.Reset',
      'status:NetStream.Play.Start',
    ]);
    await a.send(interFrame(3));
    await b.send(interFrame(4));
    await until(() => log.has('media:4:frame'));
    assert.ok(!log.has('media:3:frame'), 'A still plays after the reset');

    // The list was replaced: B ending is not followed by the appended C, and a single live play waits.
    b.stream.close();
    await until(() => log.has('status:NetStream.Play.UnpublishNotify'));
    await processed(client);
    assert.deepEqual(log.after('media:4:frame'), ['status:NetStream.Play.UnpublishNotify']);
  });

  it('play2 switch moves from A to B at B’s next keyframe, with no gap and Transition/TransitionComplete', async () => {
    const a = await publisher('switch_a');
    const b = await publisher('switch_b');
    await a.send(config(5));
    await a.send(keyframe(5));
    await b.send(config(6));
    await b.send(keyframe(6));
    const { client, stream, log } = await viewer();
    await client.play('switch_a', { stream });
    client.sendCommand(
      {
        name: 'play2',
        transactionId: 0,
        object: null,
        args: [
          { streamName: 'switch_b', oldStreamName: 'switch_a', transition: 'switch', start: -2, len: -1 },
        ],
      },
      stream.messageStreamId,
    );
    await processed(client);
    assert.ok(log.has('status:NetStream.Play.Transition'));

    // Until B has a keyframe, A keeps playing and B's inter frames are not sent (they would not decode).
    await b.send(interFrame(6));
    await a.send(interFrame(5));
    await until(() => log.has('media:5:frame'));
    assert.ok(!log.has('playStatus:NetStream.Play.TransitionComplete'));

    await b.send(keyframe(7));
    await until(() => log.has('media:7:keyframe'));
    await a.send(interFrame(8));
    await b.send(interFrame(9));
    await until(() => log.has('media:9:frame'));
    assert.deepEqual(log.after('media:5:frame'), [
      'playStatus:NetStream.Play.TransitionComplete',
      'media:6:config',
      'media:7:keyframe',
      'media:9:frame',
    ]);
  });

  it('a server-side switch (requestSwitch) runs onPlay and moves the viewer like play2 switch', async () => {
    const a = await publisher('auto_a');
    const b = await publisher('auto_b');
    await a.send(config(11));
    await a.send(keyframe(11));
    await b.send(config(12));
    await b.send(keyframe(12));
    let served: RtmpServerStream | undefined;
    const onPlay = (s: RtmpServerStream) => {
      if (s.playRequest?.name === 'auto_a') served = s;
    };
    live.server.on('play', onPlay);
    const { client, stream, log } = await viewer();
    await client.play('auto_a?token=t1', { stream });
    await until(() => served !== undefined);
    served!.requestSwitch('auto_b');
    await until(() => log.has('status:NetStream.Play.Transition'));
    assert.equal(served!.playRequest?.name, 'auto_b');
    assert.equal(served!.playRequest?.query.get('token'), 't1', 'the query (token) is carried');
    await b.send(keyframe(13));
    await until(() => log.has('media:13:keyframe'));
    assert.deepEqual(log.after('playStatus:NetStream.Play.TransitionComplete'), [
      'media:12:config',
      'media:13:keyframe',
    ]);
    live.server.off('play', onPlay);
  });

  it('moves on when an item’s duration elapses, skips a duration-0 item, and play2 stop ends the list', async () => {
    const a = await publisher('len_a');
    const b = await publisher('len_b');
    await a.send(keyframe(10));
    await b.send(keyframe(11));
    const { client, stream, log } = await viewer();
    // Short on purpose: the test waits for the switch, it does not time it.
    sendPlay(client, stream, 'len_a', true, 0.2);
    sendPlay(client, stream, 'len_skipped', false, 0);
    sendPlay(client, stream, 'len_b', false);
    await until(() => log.has('media:11:keyframe'));
    assert.deepEqual(log.after('media:10:keyframe'), [
      'playStatus:NetStream.Play.Switch',
      'status:NetStream.Play.Start',
      'media:11:keyframe',
    ]);

    client.sendCommand(
      { name: 'play2', transactionId: 0, object: null, args: [{ streamName: 'len_b', transition: 'stop' }] },
      stream.messageStreamId,
    );
    await until(() => log.has('status:NetStream.Play.Stop'));
    await b.send(interFrame(11));
    await processed(client);
    assert.deepEqual(log.after('media:11:keyframe'), ['status:NetStream.Play.Stop']);
    assert.equal(live.broadcasts.get('len_b')?.stats.subscribers, 0);
  });
});
