import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { waitUntil, withDeadline } from '@tributary/test-kit';
import { MessageType } from '../src/message/message-types';
import { StatusCode } from '../src/message/on-status';
import { ReconnectingPublisher, RtmpClient } from '../src/node/rtmp-client';
import { type RtmpServerConnection } from '../src/server/server-connection';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';

/**
 * Enhanced RTMP v2 ReconnectRequest: the server's requestReconnect() sends onStatus
 * NetConnection.Connect.ReconnectRequest with tcUrl; supportsReconnect reads capsEx bit 0x01 from
 * connect. ReconnectingPublisher republishes at the tcUrl, replays the sequence headers there first,
 * then leaves the old server.
 */
describe('ReconnectRequest (Enhanced RTMP v2)', { timeout: 30_000 }, () => {
  let a: LiveServer;
  let b: LiveServer;
  const conns: RtmpServerConnection[] = [];
  const clients: Array<{ close(): void }> = [];

  before(async () => {
    a = await startLiveServer();
    b = await startLiveServer();
    a.server.on('connection', (c: RtmpServerConnection) => conns.push(c));
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('a plain client does not announce it; the status reaches it as a NetConnection status', async () => {
    const plain = new RtmpClient({ url: `rtmp://127.0.0.1:${a.port}/live`, timeoutMs: 5000 });
    clients.push(plain);
    await plain.connect();
    await waitUntil(() => conns.length === 1, { what: 'the connection on A', timeoutMs: 5000 });
    assert.equal(conns[0]!.supportsReconnect, false);
    const status = once(plain, 'status');
    conns[0]!.requestReconnect('rtmp://elsewhere/live');
    const [info] = (await withDeadline(status, 'the status', 5000)) as [Record<string, unknown>];
    assert.equal(info.code, StatusCode.ConnectReconnectRequest);
    assert.equal(info.level, 'status');
    assert.equal(info.tcUrl, 'rtmp://elsewhere/live');
  });

  it('a ReconnectingPublisher moves to the tcUrl with its sequence headers and keeps publishing', async () => {
    const pub = await new ReconnectingPublisher({
      url: `rtmp://127.0.0.1:${a.port}/live`,
      name: 'show',
      timeoutMs: 5000,
    }).start();
    clients.push(pub);
    const conn = conns.at(-1)!;
    assert.equal(conn.supportsReconnect, true);
    const header = Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x64, 0, 0x1f]);
    pub.sendMedia({ typeId: MessageType.Video, timestamp: 0, payload: header });
    const moved = once(pub, 'reconnected');
    conn.requestReconnect(`rtmp://127.0.0.1:${b.port}/live`);
    const [url] = (await withDeadline(moved, 'the move', 10_000)) as [string];
    assert.equal(url, `rtmp://127.0.0.1:${b.port}/live`);
    await withDeadline(once(conn, 'close'), 'A closed after the move', 5000);
    const viewer = new RtmpClient({ url: `rtmp://127.0.0.1:${b.port}/live`, timeoutMs: 5000 });
    clients.push(viewer);
    await viewer.connect();
    const s = await viewer.createStream();
    const got: Buffer[] = [];
    s.on('media', (m: { payload: Buffer }) => got.push(m.payload));
    await viewer.play('show', { stream: s });
    pub.sendMedia({ typeId: MessageType.Video, timestamp: 40, payload: Buffer.from([0x17, 1, 0, 0, 0, 9]) });
    await waitUntil(() => got.length >= 2, { what: 'header and frame on B', timeoutMs: 5000 });
    assert.deepEqual(got[0], header, 'B got the sequence header replayed');
  });
});
