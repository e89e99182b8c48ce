import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { encodeAmf0 } from '../src/amf';
import { decodeCommand, encodeCommand } from '../src/message/command';
import { Csid, MessageType } from '../src/message/message-types';
import { RtmpServer } from '../src/node/rtmp-server';
import type { RtmpServerOptions } from '../src/server/server-options';
import { RawPeer } from './helpers/raw-peer';

/** Every wait here has this deadline, so a regression fails instead of hanging. */
const DEADLINE_MS = 10_000;

function deadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const command = (
  name: string,
  transactionId: number,
  args: unknown[],
  messageStreamId: number,
  object: unknown = null,
) =>
  encodeCommand(
    { name, transactionId, object: object as null, args: args as [] },
    { csid: messageStreamId === 0 ? Csid.Command : Csid.StreamCommand, messageStreamId },
  );

describe('per-connection limits of the RTMP server', { timeout: 60_000 }, () => {
  const servers: RtmpServer[] = [];
  const peers: RawPeer[] = [];

  const start = async (options: RtmpServerOptions) => {
    const server = new RtmpServer(options);
    servers.push(server);
    const { port } = await server.listen(0);
    const closes: string[] = [];
    server.on('close', (_conn, reason) => closes.push(reason));
    return { server, port, closes };
  };
  /** A peer that has connected and created message stream 1. */
  const connected = async (port: number) => {
    const p = await RawPeer.open(port);
    peers.push(p);
    await deadline(p.handshake(), 'the handshake');
    p.send(command('connect', 1, [], 0, { app: 'live', tcUrl: `rtmp://127.0.0.1:${port}/live` }));
    p.send(command('createStream', 2, [], 0));
    return p;
  };

  after(async () => {
    for (const p of peers) p.destroy();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('closes a connection past its command burst, with the limit as the reason', async () => {
    const { port, closes } = await start({ commandRate: { perSecond: 1, burst: 20 } });
    const p = await connected(port);
    for (let i = 0; i < 30; i++) p.send(command('getStreamLength', 0, ['x'], 0));
    await deadline(p.closed, 'the close');
    assert.match(closes[0] ?? '', /more than 20 commands at once/);
  });

  it('closes a connection whose commands pile up behind a pending hook far past maxQueuedCommands', async () => {
    let release: () => void = () => undefined;
    const pending = new Promise<void>((r) => {
      release = r;
    });
    const { port, closes } = await start({
      maxQueuedCommands: 4,
      hooks: { onPlay: () => pending.then(() => ({ allow: true as const })) },
    });
    const p = await connected(port);
    for (let i = 0; i < 40; i++) p.send(command('play', 0, [`s${i}`], 1));
    await deadline(p.closed, 'the close');
    release();
    assert.match(closes[0] ?? '', /more than 16 commands waiting to run/);
  });

  it('runs every pipelined command when they only briefly exceed maxQueuedCommands (reading pauses, then resumes)', async () => {
    const { server, port } = await start({
      maxQueuedCommands: 4,
      hooks: { onPlay: async () => ({ allow: true }) },
    });
    let plays = 0;
    server.on('play', () => {
      plays += 1;
    });
    const p = await connected(port);
    // Twelve distinct names: each a real play; at most 4 x 4 may wait at once, so none is refused.
    for (let i = 0; i < 12; i++) p.send(command('play', 0, [`s${i}`], 1));
    p.send(command('getStreamLength', 9, ['x'], 0));
    // Its _result (transaction 9) comes after every play before it has run.
    const isReplyTo9 = (m: { typeId: number; payload: Buffer }) =>
      m.typeId === MessageType.CommandAmf0 &&
      decodeCommand({ ...m, csid: 3, timestamp: 0, messageStreamId: 0 }).transactionId === 9;
    await deadline(p.expect(isReplyTo9), 'the reply to getStreamLength');
    assert.equal(plays, 12);
  });

  it('a repeated play of what the stream plays emits one play, whatever the count', async () => {
    const { server, port } = await start({});
    let plays = 0;
    server.on('play', () => {
      plays += 1;
    });
    const p = await connected(port);
    for (let i = 0; i < 50; i++) p.send(command('play', 0, ['same', -2, -1, true], 1));
    p.send(command('play', 0, ['other', -2, -1, true], 1));
    await deadline(
      (async () => {
        while (plays < 2) await new Promise((r) => setTimeout(r, 20));
      })(),
      'the play of another name',
    );
    assert.equal(plays, 2, 'one for "same", one for "other"');
  });

  it('closes a publisher whose data messages (decoded as AMF) exceed their byte budget', async () => {
    const { port, closes } = await start({ dataRate: { bytesPerSecond: 1024, burst: 64 * 1024 } });
    const p = await connected(port);
    p.send(command('publish', 0, ['pub', 'live'], 1));
    await deadline(
      p.expect((m) => m.payload.includes(Buffer.from('NetStream.Publish.Start'))),
      'NetStream.Publish.Start',
    );
    const meta = encodeAmf0(['@setDataFrame', 'onMetaData', { pad: 'x'.repeat(20_000) }]);
    for (let i = 0; i < 5; i++)
      p.send({
        csid: Csid.Data,
        timestamp: 0,
        typeId: MessageType.DataAmf0,
        messageStreamId: 1,
        payload: meta,
      });
    await deadline(p.closed, 'the close');
    assert.match(closes[0] ?? '', /data messages over 65536 bytes at once/);
  });

  it('drops a peer that stops reading once its backlog passes maxWriteBufferBytes', async () => {
    const { server, port, closes } = await start({
      maxWriteBufferBytes: 256 * 1024,
      readPauseBytes: 64 * 1024,
    });
    server.on('play', (stream) => {
      // 32 MiB of data messages, far more than the kernel's socket buffers absorb.
      const payload = Buffer.alloc(64 * 1024, 0x05);
      for (let i = 0; i < 512 && !stream.connection.isClosed; i++)
        stream.connection.send({
          csid: Csid.Data,
          timestamp: 0,
          typeId: MessageType.DataAmf0,
          messageStreamId: 1,
          payload,
        });
    });
    const p = await connected(port);
    p.send(command('play', 0, ['big'], 1));
    p.socket.pause();
    // A paused socket does not notice the reset: wait on the server's side.
    await deadline(
      (async () => {
        while (closes.length === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      'the drop',
    );
    assert.match(closes[0] ?? '', /write backlog over 262144 bytes/);
  });
});
