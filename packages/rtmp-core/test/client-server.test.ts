import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeClip, PeerProcesses, tempDir } from '@tributary/test-kit';
import { type AmfObject } from '../src/amf';
import { RtmpError, RtmpErrorCode } from '../src/errors/rtmp-error';
import { type MediaMessage } from '../src/message/media-message';
import { type OnStatusInfo, StatusCode } from '../src/message/on-status';
import { RtmpClient } from '../src/node/rtmp-client';
import { RtmpServer } from '../src/node/rtmp-server';
import { type RtmpServerStream } from '../src/server/server-stream';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';
import { readFlvMedia } from './helpers/peers';
import { until } from './helpers/until';

describe('our client against our server', { timeout: 120_000 }, () => {
  const peers = new PeerProcesses();
  const dir = tempDir('rtmp-core-');
  const clients: RtmpClient[] = [];
  let media: MediaMessage[];
  let live: LiveServer;

  const client = (port: number, path: string, digestHandshake = false): RtmpClient => {
    const c = new RtmpClient({ url: `rtmp://127.0.0.1:${port}/${path}`, digestHandshake });
    clients.push(c);
    return c;
  };

  before(async () => {
    const flv = join(dir.path, 'in.flv');
    await makeClip(flv, { seconds: 2, rate: 30, preset: 'medium' });
    media = readFlvMedia(flv);
    live = await startLiveServer();
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await live.close();
    await dir.remove();
  });

  it('publishes and plays back every message byte for byte (digest handshake on one side)', async () => {
    const player = client(live.port, 'live');
    await player.connect();
    const playing = await player.play('k');
    const statuses: string[] = [];
    playing.on('status', (s) => statuses.push(s.code));
    const received: MediaMessage[] = [];
    let metadata: AmfObject | null = null;
    playing.on('metadata', (m) => (metadata = m));
    const all = new Promise<void>((resolve) =>
      playing.on('media', (m) => {
        received.push(m);
        if (received.length === media.length) resolve();
      }),
    );

    const publisher = client(live.port, 'live?token=t', true);
    await publisher.connect();
    const stream = await publisher.publish('k');
    stream.sendMetadata({ width: 320, title: 'x' });
    for (const m of media) stream.sendMedia(m);
    await all;

    assert.deepEqual(
      received.map((m) => [m.typeId, m.timestamp, m.payload.toString('base64')]),
      media.map((m) => [m.typeId, m.timestamp, m.payload.toString('base64')]),
    );
    assert.deepEqual(metadata, { width: 320, title: 'x' });
    assert.deepEqual(statuses, [StatusCode.PlayPublishNotify]);

    const unpublished = new Promise<OnStatusInfo>((resolve) => playing.on('status', resolve));
    stream.close();
    assert.equal((await unpublished).code, StatusCode.PlayUnpublishNotify);
  });

  it('answers pause, unpause and seek with their onStatus and applies receiveVideo(false)', async () => {
    const played = new Promise<RtmpServerStream>((resolve) => live.server.once('play', resolve));
    const c = client(live.port, 'live');
    await c.connect();
    const stream = await c.play('controls');
    const serverStream = await played;
    const next = (): Promise<OnStatusInfo> => new Promise((resolve) => stream.once('status', resolve));
    const send = (name: string, args: (boolean | number | null)[]): void =>
      c.sendCommand({ name, transactionId: 0, object: null, args }, stream.messageStreamId);
    let status = next();
    send('pause', [true, 1500]);
    assert.equal((await status).code, StatusCode.PauseNotify);
    status = next();
    send('pause', [false, 1500]);
    assert.equal((await status).code, StatusCode.UnpauseNotify);
    status = next();
    send('seek', [2000]);
    assert.equal((await status).code, StatusCode.SeekNotify);
    const receive = new Promise<[string, boolean]>((resolve) =>
      serverStream.once('receive', (kind, on) => resolve([kind, on])),
    );
    send('receiveVideo', [false]);
    assert.deepEqual(await receive, ['video', false]);
    assert.equal(serverStream.receiveVideo, false);
  });

  it('answers getStreamLength and refuses unknown calls with _error', async () => {
    const c = client(live.port, 'live');
    await c.connect();
    const length = await c.call('getStreamLength', null, 'k');
    assert.deepEqual(length.args, [0]);
    await assert.rejects(
      c.call('noSuchMethod', null),
      (err: unknown) => err instanceof RtmpError && err.code === RtmpErrorCode.Rejected,
    );
  });
});

describe('server hooks', { timeout: 120_000 }, () => {
  const clients: RtmpClient[] = [];
  let server: RtmpServer;
  let port: number;
  let releasePublish: () => void = () => undefined;
  const events: string[] = [];

  before(async () => {
    server = new RtmpServer({
      hooks: {
        onConnect: (_conn, req) =>
          req.app === 'moved'
            ? { allow: false, description: 'moved', redirect: 'rtmp://other/live' }
            : undefined,
        onPublish: async (_stream, req) => {
          events.push(`authorising ${req.name} ${req.query.get('key') ?? ''}`);
          if (req.name === 'denied') return { allow: false };
          await new Promise<void>((resolve) => (releasePublish = resolve));
          return { allow: true };
        },
        onPlay: (_stream, req) =>
          req.query.get('token') === 'good' ? undefined : { allow: false, description: 'bad token' },
      },
    });
    server.on('publish', (stream: RtmpServerStream) => {
      events.push('publish');
      stream.on('media', (m) => events.push(`media ${m.timestamp}`));
    });
    port = (await server.listen(0)).port;
  });

  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  const connected = async (app: string): Promise<RtmpClient> => {
    const c = new RtmpClient({ url: `rtmp://127.0.0.1:${port}/${app}` });
    clients.push(c);
    await c.connect();
    return c;
  };

  it('rejects a connect with a Wowza-style 302 redirect in the _error info', async () => {
    await assert.rejects(connected('moved'), (err: unknown) => {
      assert.ok(err instanceof RtmpError);
      assert.equal(err.code, RtmpErrorCode.Rejected);
      assert.deepEqual((err.details?.info as AmfObject | undefined)?.ex, {
        code: 302,
        redirect: 'rtmp://other/live',
      });
      return true;
    });
  });

  it('holds media sent during an asynchronous onPublish and delivers it only after acceptance, in order', async () => {
    const c = await connected('live');
    const stream = await c.createStream();
    const started = new Promise<OnStatusInfo>((resolve) => stream.on('status', resolve));
    c.sendCommand(
      { name: 'publish', transactionId: 0, object: null, args: ['held?key=abc', 'live'] },
      stream.messageStreamId,
    );
    for (let ts = 0; ts < 3; ts++)
      stream.sendMedia({ typeId: 9, timestamp: ts, payload: Buffer.from([0x17, 1, 0, 0, 0]) });
    const [conn] = [...server.connections].filter((x) => x.stats.messagesIn > 0).slice(-1);
    // SetChunkSize, connect, WindowAckSize (the answer to SetPeerBandwidth), createStream, publish and the
    // three media messages have all reached the server.
    await until(() => (conn?.stats.messagesIn ?? 0) >= 8);
    assert.deepEqual(events, ['authorising held abc'], 'nothing is delivered while the hook runs');
    releasePublish();
    assert.equal((await started).code, StatusCode.PublishStart);
    assert.deepEqual(events, ['authorising held abc', 'publish', 'media 0', 'media 1', 'media 2']);
  });

  it('answers a denied publish with NetStream.Publish.BadName and delivers nothing', async () => {
    const c = await connected('live');
    await assert.rejects(c.publish('denied'), (err: unknown) => {
      assert.ok(err instanceof RtmpError);
      assert.equal((err.details?.info as AmfObject | undefined)?.code, StatusCode.PublishBadName);
      return true;
    });
  });

  it('authorises play by the token in the play name', async () => {
    const c = await connected('live');
    await assert.rejects(c.play('s?token=bad'), (err: unknown) => {
      assert.ok(err instanceof RtmpError);
      assert.equal((err.details?.info as AmfObject | undefined)?.code, StatusCode.PlayStreamNotFound);
      return true;
    });
    const ok = await c.play('s?token=good');
    assert.equal(typeof ok.messageStreamId, 'number');
  });

  it('sends NetConnection.Connect.Closed to connected clients when the server closes', async () => {
    const c = await connected('live');
    const status = new Promise<OnStatusInfo>((resolve) => c.on('status', resolve));
    const closed = new Promise<void>((resolve) => c.on('close', () => resolve()));
    void server.close();
    assert.equal((await status).code, StatusCode.ConnectClosed);
    await closed;
  });
});
