import assert from 'node:assert/strict';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type BroadcastMessage,
  type CoalescePolicy,
  encodeFlvHeader,
  FlvTagType,
  parseFlv,
} from '@tributary/rtmp-core';
import { FlvFanout } from './flv-fanout';
import { FlvViewer } from './flv-viewer';

const AVC_KEYFRAME = Buffer.from([0x17, 0x01, 0, 0, 0, 0xaa, 0xbb]);
const AVC_FRAME = Buffer.from([0x27, 0x01, 0, 0, 0, 0xcc]);
const AAC_FRAME = Buffer.from([0xaf, 0x01, 0x21, 0x10]);

function video(timestamp: number, keyframe = false): BroadcastMessage {
  const payload = keyframe ? AVC_KEYFRAME : AVC_FRAME;
  return { typeId: FlvTagType.Video, timestamp, payload, role: keyframe ? 'keyframe' : 'frame' };
}

function audio(timestamp: number): BroadcastMessage {
  return { typeId: FlvTagType.Audio, timestamp, payload: AAC_FRAME, role: 'frame' };
}

describe('FlvFanout', () => {
  it('encodes a message once and hands every viewer the same Buffers', () => {
    const fanout = new FlvFanout();
    const msg = video(40, true);
    const tag = fanout.tagOf(msg);
    assert.ok(tag);
    assert.equal(fanout.tagOf(msg), tag);
    const buffers = tag.buffersAt(40);
    assert.equal(tag.buffersAt(40), buffers, 'the same header, payload and trailer');
    assert.equal(buffers[1], msg.payload, 'the published payload, not a copy');
    assert.equal(tag.byteLength, 11 + msg.payload.length + 4);
  });

  it('gives a viewer with a shifted timeline a header of its own, payload still shared', () => {
    const tag = new FlvFanout().tagOf(audio(1000));
    assert.ok(tag);
    const shifted = tag.buffersAt(61_000);
    assert.notEqual(shifted[0], tag.buffersAt(1000)[0]);
    assert.equal(shifted[1], AAC_FRAME);
    const [parsed] = parseFlv(Buffer.concat([encodeFlvHeader({ audio: true, video: false }), ...shifted]));
    assert.equal(parsed?.timestampMs, 61_000);
  });

  it('has no tag for a message FLV cannot carry', () => {
    const msg: BroadcastMessage = { typeId: 20, timestamp: 0, payload: Buffer.alloc(1), role: 'frame' };
    assert.equal(new FlvFanout().tagOf(msg), undefined);
  });
});

describe('FlvViewer over a real HTTP response', () => {
  let server: Server;
  let port = 0;
  const responses: ServerResponse[] = [];
  const waiting: Array<(res: ServerResponse) => void> = [];

  before(async () => {
    server = createServer((_req, res) => {
      FlvViewer.writeHead(res, { 'content-type': 'video/x-flv' });
      const next = waiting.shift();
      if (next) next(res);
      else responses.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Opens a request; resolves with the server's response and the body the client will have read. */
  async function open(): Promise<{ res: ServerResponse; body: Promise<Buffer> }> {
    const res = new Promise<ServerResponse>((resolve) => waiting.push(resolve));
    const body = new Promise<Buffer>((resolve, reject) => {
      get({ port, host: '127.0.0.1', path: '/live/x.flv' }, (incoming) => {
        const parts: Buffer[] = [];
        incoming.on('data', (b: Buffer) => parts.push(b));
        incoming.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject);
    });
    return { res: await res, body };
  }

  function viewerOn(res: ServerResponse, fanout: FlvFanout, maxQueueBytes = 1 << 20) {
    const sent: number[] = [];
    const ended: string[] = [];
    const viewer = new FlvViewer(res, {
      tracks: { audio: true, video: true },
      fanout,
      maxQueueBytes,
      maxLagMs: 10_000,
      onSent: (bytes) => sent.push(bytes),
      onEnd: (reason) => ended.push(reason),
      now: () => 0,
    });
    return { viewer, sent, ended };
  }

  it('writes the queued tags of every viewer in one flush, in order, byte-identical across viewers', async () => {
    const fanout = new FlvFanout();
    const a = await open();
    const b = await open();
    const one = viewerOn(a.res, fanout);
    const two = viewerOn(b.res, fanout);
    for (const v of [one.viewer, two.viewer]) v.begin();
    const messages = [video(0, true), audio(10), video(33), audio(33), video(66)];
    for (const msg of messages) for (const v of [one.viewer, two.viewer]) v.message(msg);
    assert.equal(one.sent.length, 1, 'only the FLV header is written before the flush');
    fanout.flush();
    assert.equal(one.sent.length, 2, 'one write for the five tags');
    one.viewer.live(false);
    two.viewer.live(false);
    const [bodyA, bodyB] = await Promise.all([a.body, b.body]);
    assert.deepEqual(bodyA, bodyB);
    assert.deepEqual(
      parseFlv(bodyA).map((t) => [t.type, t.timestampMs]),
      messages.map((m) => [m.typeId, m.timestamp]),
    );
    assert.deepEqual(one.ended, ['unpublished']);
  });

  it('hands viewers that queued the same tags one shared buffer; a viewer with other tags its own', async () => {
    const fanout = new FlvFanout();
    const [a, b, c] = [await open(), await open(), await open()];
    const writes: Buffer[][] = [[], [], []];
    const viewers = [a, b, c].map(({ res }, i) => {
      const socket = res.socket;
      assert.ok(socket);
      const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
      // observe what reaches the real socket (then write it there)
      socket.write = ((chunk: Buffer) => {
        if (chunk.length > 0 && !chunk.toString('latin1').startsWith('HTTP/1.1')) writes[i]?.push(chunk);
        return write(chunk);
      }) as typeof socket.write;
      return viewerOn(res, fanout).viewer;
    });
    for (const v of viewers) v.begin();
    const [one, two, late] = viewers as [FlvViewer, FlvViewer, FlvViewer];
    const keyframe = video(0, true);
    for (const v of [one, two]) v.message(keyframe);
    for (const msg of [audio(10), video(33)]) for (const v of viewers) v.message(msg);
    fanout.flush();
    assert.equal(writes[0]?.length, 2, 'the FLV header, then one write for the three tags');
    assert.equal(writes[0]?.at(-1), writes[1]?.at(-1), 'the same Buffer object for the in-sync viewers');
    assert.notEqual(writes[2]?.at(-1), writes[0]?.at(-1), 'the viewer that missed the keyframe has its own');
    for (const v of viewers) v.live(false);
    const [bodyA, bodyB, bodyC] = await Promise.all([a.body, b.body, c.body]);
    assert.deepEqual(bodyA, bodyB);
    assert.deepEqual(
      parseFlv(bodyA).map((t) => t.timestampMs),
      [0, 10, 33],
    );
    assert.deepEqual(
      parseFlv(bodyC).map((t) => t.timestampMs),
      [10, 33],
    );
  });

  it('sends a close-delimited body: no chunked framing, each flush one write of the tags to the socket', async () => {
    const fanout = new FlvFanout();
    const raw = connect(port, '127.0.0.1');
    raw.write('GET /live/x.flv HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      raw.on('data', (b: Buffer) => parts.push(b));
      raw.on('end', () => resolve(Buffer.concat(parts)));
      raw.on('error', reject);
    });
    const res = await new Promise<ServerResponse>((resolve) => waiting.push(resolve));
    const { viewer } = viewerOn(res, fanout);
    viewer.begin();
    for (const msg of [video(0, true), audio(10)]) viewer.message(msg);
    viewer.close('shutdown');
    const bytes = await received;
    const split = bytes.indexOf('\r\n\r\n');
    const head = bytes.subarray(0, split).toString('latin1').toLowerCase();
    assert.match(head, /^http\/1\.1 200/);
    assert.match(head, /\r\nconnection: close/);
    assert.doesNotMatch(head, /transfer-encoding|content-length/);
    const body = bytes.subarray(split + 4);
    const flvHeader = encodeFlvHeader({ audio: true, video: true });
    assert.deepEqual(body.subarray(0, flvHeader.length), flvHeader, 'FLV bytes, unframed');
    assert.deepEqual(
      parseFlv(body).map((t) => [t.type, t.timestampMs]),
      [
        [FlvTagType.Video, 0],
        [FlvTagType.Audio, 10],
      ],
    );
  });

  it('ends the response after what is still queued', async () => {
    const fanout = new FlvFanout();
    const { res, body } = await open();
    const { viewer } = viewerOn(res, fanout);
    viewer.begin();
    viewer.message(video(0, true));
    viewer.close('shutdown');
    assert.deepEqual(
      parseFlv(await body).map((t) => t.timestampMs),
      [0],
    );
  });

  it('counts queued bytes against maxQueueBytes and resumes at the next keyframe', async () => {
    const fanout = new FlvFanout();
    const { res, body } = await open();
    const tagBytes = 11 + AVC_FRAME.length + 4;
    const maxQueueBytes = 3 * tagBytes;
    const { viewer } = viewerOn(res, fanout, maxQueueBytes);
    viewer.begin();
    for (const ts of [0, 33, 66, 100]) viewer.message(video(ts, ts === 0));
    assert.ok(viewer.backlog <= maxQueueBytes + tagBytes, 'bounded by the queue plus one message');
    assert.equal(viewer.stats.droppedMessages, 1, 'the fourth message exceeds the queue');
    viewer.message(video(133));
    assert.equal(viewer.stats.droppedMessages, 2, 'a delta frame after a drop waits for a keyframe');
    fanout.flush();
    viewer.message(video(166, true));
    viewer.close('shutdown');
    assert.deepEqual(
      parseFlv(await body).map((t) => t.timestampMs),
      [0, 33, 66, 166],
    );
  });

  describe("write policy (the RTMP fan-out's FANOUT_COALESCE)", () => {
    async function viewers(coalesce: CoalescePolicy, count: number) {
      const fanout = new FlvFanout({ coalesce, mergeWriteMs: 60_000 });
      const opened = [];
      for (let i = 0; i < count; i++) opened.push(await open());
      const vs = opened.map(({ res }) => viewerOn(res, fanout));
      for (const { viewer } of vs) viewer.begin();
      return { fanout, vs, bodies: opened.map((o) => o.body) };
    }

    it('turn: tags queued in one turn go out in one write per viewer, right after it', async () => {
      const { vs, bodies } = await viewers('turn', 2);
      const messages = [video(0, true), audio(10), video(33)];
      await inSocketRead(
        () => {
          for (const msg of messages) for (const { viewer } of vs) viewer.message(msg);
          for (const { sent } of vs)
            assert.equal(sent.length, 1, 'the turn is not over yet: only the FLV header');
        },
        () => {
          for (const { sent } of vs)
            assert.equal(sent.length, 2, 'the FLV header, then one write for the three tags');
        },
      );
      for (const { viewer } of vs) viewer.live(false);
      for (const body of await Promise.all(bodies))
        assert.deepEqual(
          parseFlv(body).map((t) => t.timestampMs),
          [0, 10, 33],
        );
    });

    it('turn: a lone tag is written before the next timer phase, and the next turn gets its own write', async () => {
      const { vs, bodies } = await viewers('turn', 1);
      const [{ viewer, sent }] = vs as [(typeof vs)[number]];
      await inSocketRead(
        () => viewer.message(video(0, true)),
        () => assert.equal(sent.length, 2, 'written before a timer set in the same turn runs'),
      );
      await inSocketRead(
        () => viewer.message(audio(10)),
        () => assert.equal(sent.length, 3, 'its own write'),
      );
      viewer.live(false);
      assert.deepEqual(
        parseFlv((await Promise.all(bodies))[0]!).map((t) => t.timestampMs),
        [0, 10],
      );
    });

    it('adaptive: idle, a tag is written before the next timer phase', async () => {
      const { vs } = await viewers('adaptive', 1);
      const [{ viewer, sent }] = vs as [(typeof vs)[number]];
      await inSocketRead(
        () => viewer.message(video(0, true)),
        () => assert.equal(sent.length, 2),
      );
      viewer.live(false);
    });

    it('interval: queued tags wait for the merge period, whatever the turns', async () => {
      const { fanout, vs, bodies } = await viewers('interval', 1);
      const [{ viewer, sent }] = vs as [(typeof vs)[number]];
      await inSocketRead(
        () => viewer.message(video(0, true)),
        () => assert.equal(sent.length, 1, 'still queued: only the FLV header is written'),
      );
      await inSocketRead(() => viewer.message(audio(10)));
      assert.equal(sent.length, 1);
      viewer.close('shutdown');
      assert.equal(sent.length, 2, 'what was queued goes out in one write as the response ends');
      assert.deepEqual(
        parseFlv((await Promise.all(bodies))[0]!).map((t) => t.timestampMs),
        [0, 10],
      );
      fanout.flush(); // the 60 s period's timer would keep the test process alive
    });

    it('off: every tag is its own write, at once', async () => {
      const { vs } = await viewers('off', 1);
      const [{ viewer, sent }] = vs as [(typeof vs)[number]];
      viewer.message(video(0, true));
      viewer.message(audio(10));
      assert.equal(sent.length, 3);
      viewer.live(false);
    });
  });
});

/**
 * Runs `push` where a publisher's messages arrive, in a socket's data callback (the poll phase of the event
 * loop), then `check` in the timer phase that follows it (where a timer set by `push` would run).
 */
async function inSocketRead(push: () => void, check: () => void = () => {}): Promise<void> {
  const server = createNetServer((conn) => conn.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no byte from the socket within 5 s')), 5000);
      const client = connect(port, '127.0.0.1');
      client.on('error', reject);
      client.once('data', () => {
        push();
        setTimeout(() => {
          clearTimeout(deadline);
          client.destroy();
          try {
            check();
            resolve();
          } catch (err) {
            reject(err);
          }
        }, 0);
      });
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
