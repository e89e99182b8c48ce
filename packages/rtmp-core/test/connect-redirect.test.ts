import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PeerProcesses, withDeadline } from '@tributary/test-kit';
import { connectRedirectOf } from '../src/client/rtmp-client';
import { RtmpError } from '../src/errors/rtmp-error';
import { StatusCode } from '../src/message/on-status';
import { RtmpClient } from '../src/node/rtmp-client';
import { type ConnectRequest } from '../src/server/server-types';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';

/**
 * RTMP 302 as Wowza and FMS send it: a connect answered `_error` NetConnection.Connect.Rejected with
 * `ex: { code: 302, redirect }`. Our client reports the URL (connectRedirectOf) and, with
 * followRedirects, connects there, bounded in hops; a loop ends with the last rejection.
 */
describe('connect redirect (302)', { timeout: 60_000 }, () => {
  const peers = new PeerProcesses();
  const clients: RtmpClient[] = [];
  const seenOnTarget: ConnectRequest[] = [];
  let target: LiveServer;
  let full: LiveServer;
  let loop: LiveServer;

  before(async () => {
    target = await startLiveServer({
      hooks: {
        onConnect: (_c, req) => {
          seenOnTarget.push(req);
        },
      },
    });
    full = await startLiveServer({
      hooks: {
        // Keeps the connect query (a token) on the redirect, as the edge does.
        onConnect: (_c, req) => ({
          allow: false,
          description: 'Edge full',
          redirect: `rtmp://127.0.0.1:${target.port}/live?${req.query.toString()}`,
        }),
      },
    });
    loop = await startLiveServer({
      hooks: { onConnect: () => ({ allow: false, redirect: `rtmp://127.0.0.1:${loop.port}/live` }) },
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await Promise.all([target.close(), full.close(), loop.close()]);
  });

  const client = (port: number, followRedirects?: number): RtmpClient => {
    const c = new RtmpClient({
      url: `rtmp://127.0.0.1:${port}/live?token=abc`,
      timeoutMs: 10_000,
      ...(followRedirects === undefined ? {} : { followRedirects }),
    });
    clients.push(c);
    return c;
  };

  it('without following, the rejection carries code Rejected, ex.code 302 and the redirect URL', async () => {
    const err = await client(full.port)
      .connect()
      .then(
        () => assert.fail('connect succeeded'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof RtmpError);
    const info = err.details?.info as { code: string; level: string; ex: { code: number; redirect: string } };
    assert.equal(info.code, StatusCode.ConnectRejected);
    assert.equal(info.level, 'error');
    assert.equal(info.ex.code, 302);
    assert.equal(info.ex.redirect, `rtmp://127.0.0.1:${target.port}/live?token=abc`);
    assert.equal(connectRedirectOf(err), info.ex.redirect);
  });

  it('following, connects to the redirect (query kept), publishes and plays there', async () => {
    const publisher = client(full.port, 1);
    const redirected: string[] = [];
    publisher.on('redirect', (url: string) => redirected.push(url));
    await publisher.connect();
    assert.deepEqual(redirected, [`rtmp://127.0.0.1:${target.port}/live?token=abc`]);
    assert.equal(publisher.currentUrl, redirected[0]);
    assert.equal(seenOnTarget.at(-1)?.query.get('token'), 'abc');
    const out = await publisher.publish('show');
    const viewer = client(full.port, 1);
    await viewer.connect();
    const stream = await viewer.createStream();
    const got = new Promise<number>((resolve) =>
      stream.on('media', (m: { typeId: number }) => resolve(m.typeId)),
    );
    await viewer.play('show', { stream });
    out.sendMedia({ typeId: 9, timestamp: 0, payload: Buffer.from([0x17, 0x01, 0, 0, 0, 1, 2, 3]) });
    assert.equal(await withDeadline(got, 'media through the redirected connections', 10_000), 9);
  });

  it('stops after followRedirects hops with the last rejection (a redirect loop ends)', async () => {
    const c = client(loop.port, 3);
    const err = await c.connect().then(
      () => assert.fail('connect succeeded'),
      (e: unknown) => e,
    );
    assert.ok(connectRedirectOf(err));
    assert.equal(c.redirects.length, 3);
  });
});
