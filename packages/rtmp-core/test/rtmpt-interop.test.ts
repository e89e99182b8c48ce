import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ffmpegClipArgs, PeerProcesses } from '@tributary/test-kit';
import { type MediaMessage } from '../src/message/media-message';
import { RtmpClient } from '../src/node/rtmp-client';
import { rtmptDialer } from '../src/node/rtmpt-client-transport';
import { RtmptHttpHandler } from '../src/node/rtmpt-http';
import { isRtmptPath } from '../src/rtmpt/rtmpt-request';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';
import { decodedFrames, ffmpegDecodeArgs } from './helpers/peers';
import { until } from './helpers/until';

/**
 * RTMPT against real clients: FFmpeg publishes and plays over rtmpt://, rtmpdump plays over it, and our
 * client (rtmptDialer) plays the same broadcast over RTMPT and RTMP side by side.
 */
describe('RTMPT with ffmpeg, rtmpdump and our client', { timeout: 120_000 }, () => {
  const peers = new PeerProcesses();
  let live: LiveServer;
  let handler: RtmptHttpHandler;
  let httpServer: http.Server;
  let rtmptUrl: string;
  let rtmpUrl: string;
  let publisher: Promise<{ code: number | null; stderr: string }>;
  const clients: RtmpClient[] = [];

  before(async () => {
    live = await startLiveServer();
    handler = new RtmptHttpHandler({
      accept: (t) => live.server.accept(t),
      maxSessions: 100,
      maxSessionsPerIp: 20,
      sessionTimeoutMs: 15_000,
      maxBodyBytes: 2 * 1024 * 1024,
      maxBufferedBytes: 16 * 1024 * 1024,
      bodyTimeoutMs: 5000,
      holdMs: 200,
    });
    handler.start();
    httpServer = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (isRtmptPath(path)) handler.handle(req, res, path);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    rtmptUrl = `rtmpt://127.0.0.1:${port}/live/x`;
    rtmpUrl = `rtmp://127.0.0.1:${live.port}/live/x`;
    const published = new Promise((resolve) => live.server.once('publish', resolve));
    // FFmpeg publishes through the tunnel, long enough for the three players below to start one after the
    // other on a loaded machine (the first two take 7 to 8 s there; the third needs 2 s of media).
    publisher = peers.run(
      'ffmpeg',
      ffmpegClipArgs(rtmptUrl, {
        seconds: 14,
        size: '640x360',
        rate: 30,
        preset: 'veryfast',
        realtime: true,
      }),
    );
    await published;
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    handler.stop();
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
    });
    await live.close();
  });

  it('ffmpeg plays over rtmpt:// with every frame decodable', async () => {
    const r = await peers.run('ffmpeg', ffmpegDecodeArgs(rtmptUrl, ['-t', '3']));
    assert.equal(r.stderr, '', 'ffmpeg reported errors');
    assert.ok(decodedFrames(r.stdout) >= 60, `decoded ${decodedFrames(r.stdout)} frames`);
  });

  it('rtmpdump plays over rtmpt:// with every frame decodable', async () => {
    const dump = peers.spawn('rtmpdump', ['-q', '-r', rtmptUrl, '--live', '-B', '3', '-o', '-']);
    const decode = await peers.run(
      'ffmpeg',
      ffmpegDecodeArgs('pipe:0', ['-f', 'flv', '-t', '3']),
      dump.stdout ?? undefined,
    );
    assert.equal(decode.stderr, '', 'decode errors');
    assert.ok(decodedFrames(decode.stdout) >= 60, `decoded ${decodedFrames(decode.stdout)} frames`);
  });

  it('our client over RTMPT receives what a viewer over RTMP receives', async () => {
    const overRtmpt = new RtmpClient({ url: rtmptUrl.replace(/\/x$/, ''), dial: rtmptDialer() });
    const overRtmp = new RtmpClient({ url: rtmpUrl.replace(/\/x$/, '') });
    clients.push(overRtmpt, overRtmp);
    await Promise.all([overRtmpt.connect(), overRtmp.connect()]);
    const got = new Map<RtmpClient, MediaMessage[]>([
      [overRtmpt, []],
      [overRtmp, []],
    ]);
    await Promise.all(
      [overRtmpt, overRtmp].map(async (c) => {
        const s = await c.play('x');
        s.on('media', (m) => got.get(c)!.push(m));
      }),
    );
    await until(() => got.get(overRtmpt)!.length >= 150 && got.get(overRtmp)!.length >= 150);
    // Both joined at a keyframe; from the later of their first timestamps on they carry the same messages.
    const a = got.get(overRtmpt)!;
    const b = got.get(overRtmp)!;
    const key = (m: MediaMessage) => `${m.typeId}:${m.timestamp}:${m.payload.toString('base64')}`;
    const start = Math.max(a[0]!.timestamp, b[0]!.timestamp);
    const from = (l: MediaMessage[]) =>
      l
        .filter((m) => m.timestamp >= start + 500)
        .slice(0, 100)
        .map(key);
    assert.deepEqual(from(a), from(b));
    assert.equal(from(a).length, 100);
    overRtmpt.close();
    overRtmp.close();
  });

  it('the publisher over rtmpt:// finishes cleanly and no viewer dropped a message', async () => {
    const r = await publisher;
    assert.equal(r.code, 0, r.stderr);
    const b = live.broadcasts.get('x');
    assert.ok(b && b.stats.messagesIn > 200, `messages in: ${b?.stats.messagesIn}`);
    assert.equal(b.stats.droppedMessages, 0);
    // Every session ended: FFmpeg's and rtmpdump's, and our client's.
    await until(() => handler.sessions.size === 0 && handler.heldPolls === 0);
  });
});
