import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ChunkEncoder, Csid, encodeCommand, type RtmpClientStream } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import {
  type EdgeProcess,
  eventually,
  getWithin,
  startEdgeProcess,
  withDeadline,
} from './support/edge-process';

const HANDSHAKE_SIZE = 1536;
const HEALTHZ_TIMEOUT_MS = 2000;
const HOSTILE_CONNECTIONS = 50;
/** 64 KiB of play commands per connection, as in the report that found this. */
const PLAY_BYTES = 64 * 1024;
/** Small per-viewer bounds so that 50 stalled viewers would show any unbounded buffering quickly. */
const VIEWER_QUEUE_MAX_BYTES = 256 * 1024;
const LOG_BURST = 20;

/** A raw RTMP peer: handshake, then exactly the commands given, in one write. */
async function rawPeer(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await withDeadline(new Promise((r) => socket.once('connect', r)), 5000, 'tcp connect');
  socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]));
  let got = 0;
  await withDeadline(
    new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        got += d.length;
        if (got < 1 + 2 * HANDSHAKE_SIZE) return;
        socket.off('data', on);
        resolve();
      };
      socket.on('data', on);
    }),
    5000,
    'S0 S1 S2',
  );
  socket.write(randomBytes(HANDSHAKE_SIZE));
  return socket;
}

function commands(tcUrl: string, plays: (i: number) => string, playBytes: number): Buffer {
  const enc = new ChunkEncoder();
  const out: Buffer[] = [];
  const cmd = (name: string, tx: number, object: unknown, args: unknown[], msid: number) =>
    out.push(
      ...enc.encode(
        encodeCommand(
          { name, transactionId: tx, object: object as null, args: args as [] },
          { csid: msid === 0 ? Csid.Command : Csid.StreamCommand, messageStreamId: msid },
        ),
      ),
    );
  cmd('connect', 1, { app: 'live', tcUrl, objectEncoding: 0 }, [], 0);
  cmd('createStream', 2, null, [], 0);
  let bytes = 0;
  for (let i = 0; bytes < playBytes; i++) {
    const before = out.length;
    cmd('play', 0, null, [plays(i), -2, -1, true], 1);
    for (const b of out.slice(before)) bytes += b.length;
  }
  return Buffer.concat(out);
}

/** ~3 Mbit/s at 25 fps: a 60 KB keyframe each second, 15 KB inter frames. */
function feed(stream: RtmpClientStream): NodeJS.Timeout {
  let frame = 0;
  const key = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), randomBytes(60_000)]);
  const inter = Buffer.concat([Buffer.from([0x27, 1, 0, 0, 0]), randomBytes(15_000)]);
  return setInterval(() => {
    stream.sendMedia({ typeId: 9, timestamp: frame * 40, payload: frame % 25 === 0 ? key : inter });
    frame += 1;
  }, 40);
}

describe('hostile RTMP connections against an edge process', { timeout: 120_000 }, () => {
  let run: EdgeProcess;
  const clients: RtmpClient[] = [];
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  let port = 0;
  const client = async () => {
    const c = new RtmpClient({ url: run.rtmpUrl, timeoutMs: 8000 });
    clients.push(c);
    await c.connect();
    return c;
  };

  before(async () => {
    run = await startEdgeProcess({
      VIEWER_QUEUE_MAX_BYTES: String(VIEWER_QUEUE_MAX_BYTES),
      RTMP_MAX_WRITE_BUFFER_BYTES: String(1024 * 1024),
      RTMP_LOG_BURST: String(LOG_BURST),
    });
    port = Number(new URL(run.rtmpUrl).port);
    run.api.allow('flood-a', { playbackId: 'floodA' });
    run.api.allow('flood-b', { playbackId: 'floodB' });
  });

  after(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    for (const c of clients) c.close();
    await run.stop();
  });

  it('50 connections flooding play and never reading: memory, /healthz, a real viewer and the logs stay bounded', async (t) => {
    for (const key of ['flood-a', 'flood-b']) timers.push(feed(await (await client()).publish(key)));
    const viewer = await client();
    const played = await viewer.createStream();
    let frames = 0;
    played.on('media', () => {
      frames += 1;
    });
    await viewer.play('floodA', { stream: played });
    await eventually(() => frames >= 25, 'the real viewer to get its first second');
    const rssBefore = run.rss();
    const linesBefore = run.proc.lines.length;

    // Each one alternates two live streams, so every play is a real one (a GOP replay), then stops reading.
    const flood = commands(run.rtmpUrl, (i) => (i % 2 === 0 ? 'floodB' : 'floodA'), PLAY_BYTES);
    for (let i = 0; i < HOSTILE_CONNECTIONS; i++) {
      const s = await rawPeer(port);
      sockets.push(s);
      s.write(flood);
      s.pause();
    }
    let rssMax = rssBefore;
    const framesAtFlood = frames;
    const sample = setInterval(() => {
      rssMax = Math.max(rssMax, run.rss());
    }, 100);
    timers.push(sample);
    // Three seconds of the real viewer's stream with the flood in place.
    await eventually(() => frames >= framesAtFlood + 75, 'the real viewer to keep receiving frames', 20_000);
    assert.equal(await getWithin(`${run.httpUrl}/healthz`, HEALTHZ_TIMEOUT_MS), 200);
    clearInterval(sample);
    rssMax = Math.max(rssMax, run.rss());

    const lines = run.proc.lines.length - linesBefore;
    const growth = (rssMax - rssBefore) / 1048576;
    t.diagnostic(
      `edge RSS ${(rssBefore / 1048576).toFixed(0)} -> max ${(rssMax / 1048576).toFixed(0)} MiB (+${growth.toFixed(1)}); ${lines} log lines; flood ${flood.length} bytes x ${HOSTILE_CONNECTIONS}`,
    );
    // Each stalled connection may hold about its viewer queue bound plus one message (and its kernel buffers,
    // outside the process); without bounds the 50 of them held hundreds of MiB.
    assert.ok(growth < 64, `edge RSS grew ${growth.toFixed(1)} MiB`);
    assert.ok(lines < HOSTILE_CONNECTIONS * (LOG_BURST + 4), `${lines} log lines`);
  });

  it('closes a connection over its command rate, with a log line saying so', async () => {
    const s = await rawPeer(port);
    sockets.push(s);
    const closed = new Promise((r) => s.once('close', r));
    s.resume();
    // The same play 300 times: each one is free (idempotent), but 300 at once is over the 200-command burst.
    s.write(commands(run.rtmpUrl, () => 'floodA', 300 * 40));
    await withDeadline(closed, 10_000, 'the edge to close the connection');
    const line = await withDeadline(
      run.proc.waitForLog(
        (l) => l.msg === 'closed' && l.code === 'RTMP_ERR_LIMIT',
        'a closed line with RTMP_ERR_LIMIT',
      ),
      5000,
      'the closed log line',
    );
    assert.match(String(line.reason), /commands at once/);
  });
});
