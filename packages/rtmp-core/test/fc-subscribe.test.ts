import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PeerProcesses, withDeadline } from '@tributary/test-kit';
import { StatusCode } from '../src/message/on-status';
import { RtmpClient } from '../src/node/rtmp-client';
import { type SubscribeRequest } from '../src/server/server-types';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';

/**
 * Live subscription as Akamai and Limelight answer it: FCSubscribe gets `onFCSubscribe` with
 * NetStream.Play.Start once the `onSubscribe` hook says the stream is live, NetStream.Play.StreamNotFound
 * while it is not (and when the hook fails); without the hook every subscription is Play.Start. Our
 * client's fcSubscribe() reads the answer; rtmpdump `--subscribe` sends the call the hook sees.
 */
describe('FCSubscribe: onFCSubscribe answers whether the stream is live', { timeout: 60_000 }, () => {
  const peers = new PeerProcesses();
  const clients: RtmpClient[] = [];
  const live = new Set<string>();
  const asked: SubscribeRequest[] = [];
  let hooked: LiveServer;
  let plain: LiveServer;

  const client = async (port: number): Promise<RtmpClient> => {
    const c = new RtmpClient({ url: `rtmp://127.0.0.1:${port}/live`, timeoutMs: 10_000 });
    clients.push(c);
    await c.connect();
    return c;
  };

  before(async () => {
    hooked = await startLiveServer({
      hooks: {
        onSubscribe: async (_conn, req) => {
          asked.push(req);
          if (req.name === 'broken') throw new Error('lookup failed');
          await new Promise((r) => setTimeout(r, 5)); // answered after a real await, like an api call
          return live.has(req.name);
        },
      },
    });
    plain = await startLiveServer();
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await hooked.close();
    await plain.close();
  });

  it('is StreamNotFound (level error) while not live, Play.Start once live; the hook sees the name without its query', async () => {
    const c = await client(hooked.port);
    const before = await c.fcSubscribe('show?token=abc');
    assert.equal(before.code, StatusCode.PlayStreamNotFound);
    assert.equal(before.level, 'error');
    live.add('show');
    const afterLive = await c.fcSubscribe('show?token=abc');
    assert.equal(afterLive.code, StatusCode.PlayStart);
    assert.equal(afterLive.level, 'status');
    const last = asked.at(-1);
    assert.equal(last?.name, 'show');
    assert.equal(last?.query.get('token'), 'abc');
  });

  it('answers several subscriptions on one connection in order', async () => {
    const c = await client(hooked.port);
    const [a, b, d] = await Promise.all([
      c.fcSubscribe('show'),
      c.fcSubscribe('other'),
      c.fcSubscribe('show'),
    ]);
    assert.deepEqual(
      [a.code, b.code, d.code],
      [StatusCode.PlayStart, StatusCode.PlayStreamNotFound, StatusCode.PlayStart],
    );
  });

  it('a failing hook answers StreamNotFound and the connection stays usable', async () => {
    const c = await client(hooked.port);
    assert.equal((await c.fcSubscribe('broken')).code, StatusCode.PlayStreamNotFound);
    assert.equal((await c.fcSubscribe('show')).code, StatusCode.PlayStart);
  });

  it('without the hook every subscription is Play.Start', async () => {
    const c = await client(plain.port);
    assert.equal((await c.fcSubscribe('anything')).code, StatusCode.PlayStart);
  });

  it('rtmpdump --live --subscribe sends FCSubscribe with its subscribe path and the play follows', async () => {
    const before = asked.length;
    const dump = peers.spawn('rtmpdump', [
      '-q',
      '-r',
      `rtmp://127.0.0.1:${hooked.port}/live/show`,
      '--live',
      '--subscribe',
      'show',
      '-B',
      '1',
      '-o',
      '-',
    ]);
    const played = new Promise<string>((resolve) =>
      hooked.server.once('play', (stream) => resolve(stream.playRequest?.name ?? '')),
    );
    assert.equal(await withDeadline(played, 'rtmpdump playing show', 10_000), 'show');
    assert.ok(
      asked.slice(before).some((r) => r.name === 'show'),
      'the hook saw rtmpdump subscribe to show',
    );
    dump.kill('SIGTERM');
  });
});
