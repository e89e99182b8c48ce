import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EdgeAsset } from '@tributary/contracts';
import {
  MessageType,
  memoryTransportPair,
  type OnStatusInfo,
  RtmpClientCore,
  type RtmpClientStream,
  type RtmpDialer,
  RtmpServerCore,
  type RtmpTransport,
} from '@tributary/rtmp-core';
import { run, tempDir, waitUntil } from '@tributary/test-kit';
import pino from 'pino';
import { Authorizer } from '../src/auth/authorizer';
import { FailureThrottle } from '../src/auth/failure-throttle';
import { PlaybackKeyStore } from '../src/control-plane/playback-keys';
import { PublishAuthorizer } from '../src/control-plane/publish-authorizer';
import { MetricsRegistry } from '../src/http/metrics';
import { RtmpVodPlayer } from '../src/vod/rtmp-vod-player';
import { VodPlayback } from '../src/vod/vod-playback';

/**
 * The on-demand RTMP player on rtmp-core's server over in-memory transports (whose writer sees what its
 * peer has not read as writableLength, as a socket's would), reading an ffmpeg-made file through the real
 * VodPlayback and block cache from a local source standing where the api's range reads stand (optionally
 * slow, as an api across a network is). What a socket's kernel buffers would blur is measured exactly here:
 * a viewer that stops reading is sent no more than the write bound, and a seek while a read is in flight
 * sends nothing stale.
 */
const CLIP_SECONDS = 12;
const FPS = 25;
const WAIT_MS = 10_000;
const MAX_WRITE_BACKLOG_BYTES = 512 * 1024;
const MAX_BATCH_BYTES = 1024 * 1024;

describe('on-demand RTMP player (in memory)', () => {
  const dir = tempDir('tributary-vod-player-');
  let file: Buffer;
  const clients: RtmpClientCore[] = [];
  const servers: RtmpServerCore[] = [];
  const players: RtmpVodPlayer[] = [];

  before(async () => {
    const mp4 = join(dir.path, 'clip.mp4');
    // ~2.5 Mb/s: the whole file (~4 MB) is well past the write bound.
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', String(CLIP_SECONDS), '-c:v', 'libx264'],
      ...[
        '-preset',
        'ultrafast',
        '-g',
        '50',
        '-keyint_min',
        '50',
        '-sc_threshold',
        '0',
        '-b:v',
        '2500k',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        mp4,
      ],
    ]);
    assert.equal(made.code, 0, made.stderr);
    file = readFileSync(mp4);
    assert.ok(file.length > 3 * 1024 * 1024, `${file.length} bytes`);
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of servers) s.closeConnections();
    for (const p of players) p.stop();
    await dir.remove();
  });

  /** A server whose on-demand plays go to a real RtmpVodPlayer over a real VodPlayback. */
  async function setup(readDelayMs = 0) {
    const keys = new PlaybackKeyStore({
      fetchPage: async () => ({ keys: [], next: null }),
      fetchOne: async () => undefined,
    });
    await keys.sync();
    const authorizer = new Authorizer({
      app: 'live',
      publish: new PublishAuthorizer({
        ask: async () => ({
          allowed: false,
          reason: 'unknown_key',
          message: 'Unknown key.',
          cacheTtlSeconds: 0,
        }),
        maxCacheTtlSeconds: 30,
        staleIfErrorSeconds: 0,
        maxPending: 8,
      }),
      keys,
      throttle: new FailureThrottle(5),
      maxViewersPerStream: 100,
    });
    const asset: EdgeAsset = {
      assetId: 'a1',
      tenantId: 't1',
      playbackId: 'clip',
      playbackPolicy: 'public',
      status: 'ready',
      sizeBytes: file.length,
      updatedAt: new Date().toISOString(),
    };
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsRegistry();
    const vod = new VodPlayback({
      authorizer,
      lookup: async (id) => (id === asset.playbackId ? asset : undefined),
      readRange: async (_id, offset, length) => {
        if (readDelayMs > 0) await new Promise((r) => setTimeout(r, readDelayMs));
        return file.subarray(offset, offset + length);
      },
      cacheBytes: 16 * 1024 * 1024,
      segmentTargetMs: 4000,
      metrics,
      logger,
    });
    const player = new RtmpVodPlayer({ vod, tickMs: 25, minBufferMs: 1000, marginMs: 500, metrics, logger });
    players.push(player);
    player.start();
    const server = new RtmpServerCore({
      hooks: {
        onPlay: (stream, req) => player.authorize(stream, req),
        onStreamLength: (conn, req) => player.streamLength(conn, req),
      },
    });
    servers.push(server);
    server.on('play', (stream) => player.started(stream));
    let clientEnd: RtmpTransport | undefined;
    const dial: RtmpDialer = async () => {
      const [s, c] = memoryTransportPair();
      server.accept(s);
      clientEnd = c;
      return c;
    };
    const client = new RtmpClientCore({ url: 'rtmp://memory/vod', dial });
    clients.push(client);
    await client.connect();
    const stream = await client.createStream();
    return { player, server, client, stream, transport: () => clientEnd as RtmpTransport };
  }

  function watch(stream: RtmpClientStream) {
    const seen = {
      media: [] as { type: number; ts: number; size: number }[],
      statuses: [] as string[],
      notifyAt: -1,
    };
    stream.on('media', (m) => seen.media.push({ type: m.typeId, ts: m.timestamp, size: m.payload.length }));
    stream.on('status', (i: OnStatusInfo) => {
      seen.statuses.push(i.code);
      if (i.code === 'NetStream.Seek.Notify') seen.notifyAt = seen.media.length;
    });
    stream.on('data', (m) => {
      if (m.name === 'onPlayStatus') seen.statuses.push('onPlayStatus');
    });
    return seen;
  }

  it('a viewer that stops reading is sent no more than the write bound; once it reads again it gets every frame, in order, to Play.Complete', async () => {
    const { player, client, stream, transport } = await setup();
    const seen = watch(stream);
    // A player asking for a minute of buffer: the pacer would send the whole file at once.
    stream.setBufferLength(60_000);
    await client.play('mp4:clip', { stream });
    transport().pause();
    const server = servers.at(-1) as RtmpServerCore;
    const conn = [...server.connections][0];
    assert.ok(conn);
    await new Promise((r) => setTimeout(r, 1000));
    const held = conn.writableLength;
    const sent = player.bytesSent;
    assert.ok(held <= MAX_WRITE_BACKLOG_BYTES + MAX_BATCH_BYTES + 64 * 1024, `${held} bytes unread`);
    assert.ok(held > 0);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(player.bytesSent, sent, 'nothing more is sent while the viewer reads nothing');
    assert.ok(sent < file.length / 2, `${sent} of ${file.length} bytes sent`);
    transport().resume();
    await waitUntil(async () => seen.statuses.includes('NetStream.Play.Stop'), {
      timeoutMs: WAIT_MS,
      what: 'the end of the file',
    });
    const video = seen.media.filter((m) => m.type === MessageType.Video && m.size > 60);
    assert.equal(video.length, CLIP_SECONDS * FPS, 'every frame');
    for (let i = 1; i < video.length; i++) assert.ok((video[i]?.ts as number) > (video[i - 1]?.ts as number));
    assert.ok(seen.statuses.includes('onPlayStatus'));
  });

  it('a seek while the previous batch is still being read (a slow source) sends nothing older than the landing keyframe after Seek.Notify', async () => {
    for (const target of [2_500, 9_000, 500]) {
      const { stream, client } = await setup(150);
      const seen = watch(stream);
      stream.setBufferLength(2000);
      // From 6 s: blocks the indexing did not read, so the first batch is still on its way at the seek.
      await client.play('clip', { stream, start: 6000 });
      // The first batch's blocks are still on their way (150 ms each): seek now.
      stream.seek(target);
      await waitUntil(async () => seen.notifyAt >= 0 && seen.media.length > seen.notifyAt + 30, {
        timeoutMs: WAIT_MS,
        what: `frames after the seek to ${target}`,
      });
      const landing = Math.floor(target / 2000) * 2000;
      const after = seen.media.slice(seen.notifyAt);
      assert.deepEqual(
        after.filter((m) => m.ts < landing),
        [],
        `nothing before ${landing} ms after Seek.Notify`,
      );
      // From the landing keyframe on, in order: a stale batch (from 6 s) would break the run.
      assert.equal(after[0]?.ts, landing, 'the sequence headers at the landing time first');
      const firstVideo = after.find((m) => m.type === MessageType.Video && m.size > 60);
      assert.equal(firstVideo?.ts, landing);
      const video = after.filter((m) => m.type === MessageType.Video);
      for (let i = 1; i < video.length; i++)
        assert.ok((video[i]?.ts as number) >= (video[i - 1]?.ts as number), `in order at ${video[i]?.ts}`);
      client.close();
    }
  });
});
