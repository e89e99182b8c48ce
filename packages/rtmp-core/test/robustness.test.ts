import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '@tributary/test-kit';
import { type AmfObject, encodeAmf0 } from '../src/amf';
import { decodeCommand } from '../src/message/command';
import { MessageType } from '../src/message/message-types';
import { RtmpClient } from '../src/node/rtmp-client';
import { corpusEntries } from '../src/testing/corpus';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';
import { RawPeer } from './helpers/raw-peer';

const MiB = 1024 * 1024;
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const connectMessage = (
  body: Buffer,
): { csid: number; timestamp: number; typeId: number; messageStreamId: number; payload: Buffer } => ({
  csid: 3,
  timestamp: 0,
  typeId: MessageType.CommandAmf0,
  messageStreamId: 0,
  payload: body,
});

/** Objects nested `depth` deep, the top-level command object counting as depth 1. */
function nested(depth: number): AmfObject {
  let o: AmfObject = { app: 'live' };
  for (let i = 1; i < depth; i++) o = { app: 'live', n: o };
  return o;
}

// The timeout only guards against a hang; no assertion depends on time.
describe('robustness of a live server (docs/reliability.md: amf-work-bound, declared-length, chunk-size, handshake, crash-corpus)', {
  timeout: 120_000,
}, () => {
  let live: LiveServer;
  const peers: RawPeer[] = [];
  const clients: RtmpClient[] = [];
  let aliveRun = 0;

  const peer = async (): Promise<RawPeer> => {
    const p = await RawPeer.open(live.port);
    peers.push(p);
    return p;
  };

  const client = (): RtmpClient => {
    const c = new RtmpClient({ url: `rtmp://127.0.0.1:${live.port}/live` });
    clients.push(c);
    return c;
  };

  /** RELIABILITY "alive": a fresh publisher and player complete publish then play. */
  const assertAlive = async (): Promise<void> => {
    const name = `alive-${aliveRun++}`;
    const player = client();
    await player.connect();
    const playing = await player.play(name);
    const got = new Promise<void>((resolve) => playing.on('media', () => resolve()));
    const publisher = client();
    await publisher.connect();
    const stream = await publisher.publish(name);
    stream.sendMedia({ typeId: 9, timestamp: 0, payload: hex('17 01 000000 65') });
    await got;
  };

  before(async () => {
    live = await startLiveServer({ handshakeTimeoutMs: 1000 });
  });

  after(async () => {
    for (const p of peers) p.destroy();
    for (const c of clients) c.close();
    await live.close();
  });

  describe('handshake', () => {
    for (const version of [0x06, 0x48, 0xff]) {
      it(`closes a connection whose C0 version is 0x${version.toString(16)} without answering`, async () => {
        const p = await peer();
        p.write(Buffer.from([version]));
        await p.closed;
        assert.equal(p.received, 0);
      });
    }

    it('closes a stalled handshake (C0 + 1535 bytes of C1) at the handshake timeout', async () => {
      const p = await peer();
      p.write(Buffer.alloc(1536, 3));
      await p.closed;
      assert.equal(p.received, 0);
    });

    it('accepts a C2 that does not echo S1 and then serves connect', async () => {
      const p = await peer();
      await p.handshake();
      p.send(connectMessage(encodeAmf0(['connect', 1, { app: 'live' }])));
      const reply = await p.expect((m) => m.typeId === MessageType.CommandAmf0);
      assert.equal(decodeCommand(reply).name, '_result');
    });

    it('completes a publish and play while 20 slowloris sockets send one byte at a time', async () => {
      const slow = await Promise.all(Array.from({ length: 20 }, () => peer()));
      const timer = setInterval(() => {
        for (const p of slow) p.write(Buffer.from([3]));
      }, 50);
      try {
        await assertAlive();
      } finally {
        clearInterval(timer);
      }
    });
  });

  describe('AMF depth in connect', () => {
    it('closes a connection whose connect nests 1000 deep, and stays alive', async () => {
      const p = await peer();
      await p.handshake();
      const deep = Buffer.concat(Array.from({ length: 1000 }, () => hex('0a 00000001')));
      p.send(connectMessage(Buffer.concat([encodeAmf0(['connect', 1]), deep])));
      await p.closed;
      await assertAlive();
    });

    it('accepts a connect nested exactly to the depth limit (64)', async () => {
      const p = await peer();
      await p.handshake();
      p.send(connectMessage(encodeAmf0(['connect', 1, nested(64)])));
      const reply = await p.expect((m) => m.typeId === MessageType.CommandAmf0);
      assert.equal(decodeCommand(reply).name, '_result');
    });
  });

  describe('declared length much larger than the body', () => {
    it('closes a connection whose header declares more than the message cap, at header time', async () => {
      const p = await peer();
      await p.handshake();
      p.write(hex('04 000000 ffffff 09 01000000'));
      await p.closed;
    });

    it('holds 200 connections × 32 chunk streams declaring cap − 1 bytes in less than 32 MiB', async () => {
      const before = process.memoryUsage().rss;
      const attackers = await Promise.all(Array.from({ length: 200 }, () => peer()));
      await Promise.all(attackers.map((p) => p.handshake()));
      const perPeer: Buffer[] = [];
      for (let csid = 3; csid < 35; csid++) {
        const h = hex('00 000000 000000 09 01000000');
        h[0] = csid;
        h.writeUIntBE(8 * MiB - 1, 4, 3);
        perPeer.push(h, Buffer.alloc(128));
      }
      const bytes = Buffer.concat(perPeer);
      for (const p of attackers) p.write(bytes);
      // Every attacker's bytes have reached the server: 32 × (12 + 128) after the handshake.
      const total = (): number => [...live.server.connections].reduce((n, c) => n + c.stats.bytesIn, 0);
      await waitUntil(() => total() >= 200 * bytes.length, {
        what: "every attacker's bytes to reach the server",
        stepMs: 20,
      });
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 32 * MiB, `RSS grew by ${(grown / MiB).toFixed(1)} MiB`);
      for (const p of attackers) p.destroy();
      await assertAlive();
    });
  });

  describe('SetChunkSize edges', () => {
    for (const size of ['00000000', '80000000']) {
      it(`closes the connection on SetChunkSize 0x${size} (protocol error)`, async () => {
        const p = await peer();
        await p.handshake();
        p.write(hex(`02 000000 000004 01 00000000 ${size}`));
        await p.closed;
      });
    }

    for (const size of ['00000001', '0000007f']) {
      it(`closes the connection on SetChunkSize 0x${size} (below the 128 policy floor)`, async () => {
        const p = await peer();
        await p.handshake();
        p.write(hex(`02 000000 000004 01 00000000 ${size}`));
        await p.closed;
      });
    }

    for (const [size, chunk] of [
      ['00000080', 128],
      ['7fffffff', 0xffffff],
    ] as const) {
      it(`reassembles a 1 MiB video message after SetChunkSize 0x${size} (used as ${chunk})`, async () => {
        const received = new Promise<number>((resolve) =>
          live.server.once('publish', (stream) => stream.on('media', (m) => resolve(m.payload.length))),
        );
        const p = await peer();
        await p.handshake();
        p.write(hex(`02 000000 000004 01 00000000 ${size}`));
        p.encoder.setChunkSize(chunk);
        const command = (name: string, args: AmfObject[] | string[], streamId = 0): void =>
          p.send({ ...connectMessage(encodeAmf0([name, 0, null, ...args])), messageStreamId: streamId });
        p.send(connectMessage(encodeAmf0(['connect', 1, { app: 'live' }])));
        command('createStream', []);
        command('publish', [`big-${chunk}`], 1);
        const started = await p.expect(
          (m) => m.typeId === MessageType.CommandAmf0 && decodeCommand(m).name === 'onStatus',
        );
        assert.equal((decodeCommand(started).args[0] as AmfObject).code, 'NetStream.Publish.Start');
        p.send({
          csid: 6,
          timestamp: 0,
          typeId: 9,
          messageStreamId: 1,
          payload: Buffer.concat([hex('17 01 000000'), Buffer.alloc(MiB - 5)]),
        });
        assert.equal(await received, MiB);
      });
    }
  });

  describe('crash corpus against the live server', () => {
    it('replays every handshake, chunk, AMF and media corpus entry and stays alive', async () => {
      for (const { bytes } of corpusEntries('handshake')) (await peer()).write(bytes);
      for (const { bytes } of corpusEntries('chunk')) {
        const p = await peer();
        await p.handshake();
        p.write(bytes);
      }
      for (const { bytes } of corpusEntries('amf')) {
        const p = await peer();
        await p.handshake();
        p.send(connectMessage(Buffer.concat([encodeAmf0(['connect', 1]), bytes])));
      }
      const player = client();
      await player.connect();
      await player.play('corpus');
      const publisher = client();
      await publisher.connect();
      const stream = await publisher.publish('corpus');
      let ts = 0;
      for (const { bytes } of corpusEntries('media')) {
        stream.sendMedia({ typeId: 9, timestamp: ts++, payload: bytes });
        stream.sendMedia({ typeId: 8, timestamp: ts++, payload: bytes });
      }
      await assertAlive();
    });
  });
});
