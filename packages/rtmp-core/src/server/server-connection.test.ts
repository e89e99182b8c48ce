import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { RtmpClientCore } from '../client/rtmp-client';
import { nameFingerprint } from '../logger/name-fingerprint';
import { type RtmpLogger } from '../logger/rtmp-logger';
import { RtmpClient } from '../node/rtmp-client';
import { RtmpServer } from '../node/rtmp-server';
import { memoryTransportPair } from '../transport/memory-transport';
import { type RtmpDialer } from '../transport/transport';
import { RtmpServerCore } from './rtmp-server-core';

type LogLine = Record<string, unknown> & { level: string; msg: string | undefined };

/** An RtmpLogger that keeps every line (child bindings merged in) and announces each as 'line'. */
class CapturingLogger extends EventEmitter {
  readonly lines: LogLine[] = [];

  logger(bindings: Record<string, unknown> = {}): RtmpLogger {
    const at =
      (level: string) =>
      (obj: object, msg?: string): void => {
        const line: LogLine = { ...bindings, ...obj, level, msg };
        this.lines.push(line);
        this.emit('line', line);
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => this.logger({ ...bindings, ...more }),
    };
  }

  /** Resolves with the first line (already logged or to come) that matches. */
  waitFor(match: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const onLine = (line: LogLine): void => {
        if (!match(line)) return;
        this.off('line', onLine);
        resolve(line);
      };
      this.on('line', onLine);
    });
  }
}

const SECRET_KEY = 'sk_live_7f3c9a1e5b';
const DENIED_KEY = 'sk_live_denied_42d1';
const PLAY_TOKEN = 'eyJhbGciOiJFZERTQSJ9.secret-claims.signature';

/** Without a port: the connections run on in-memory transports. */
describe('RtmpServerConnection logs', () => {
  const capture = new CapturingLogger();
  const server = new RtmpServerCore({
    logger: capture.logger(),
    hooks: { onPublish: (_stream, req) => ({ allow: req.name !== DENIED_KEY }) },
  });
  const dial: RtmpDialer = async () => {
    const [serverSide, clientSide] = memoryTransportPair();
    server.accept(serverSide);
    return clientSide;
  };
  const clients: RtmpClientCore[] = [];

  after(() => {
    for (const client of clients) client.close();
    server.closeConnections();
  });

  async function connected(): Promise<RtmpClientCore> {
    const client = new RtmpClientCore({ url: 'rtmp://memory/live', dial });
    clients.push(client);
    await client.connect();
    return client;
  }

  it('never contain a publishing name, a publish query or a play token (docs/reliability.md: secrets-at-rest)', async () => {
    const publisher = await connected();
    await publisher.publish(`${SECRET_KEY}?key=${SECRET_KEY}`);
    const refused = await connected();
    await assert.rejects(refused.publish(DENIED_KEY));
    const viewer = await connected();
    await viewer.play(`pb_public?token=${PLAY_TOKEN}`);
    await capture.waitFor((l) => l.msg === 'playing');
    for (const client of [publisher, refused, viewer]) client.close();
    await capture.waitFor((l) => l.msg === 'closed' && l.connId === 'c3');

    const logged = JSON.stringify(capture.lines);
    for (const secret of [SECRET_KEY, DENIED_KEY, PLAY_TOKEN, 'token=']) {
      assert.ok(!logged.includes(secret), `${secret} appears in the logs`);
    }
    const publishing = capture.lines.find((l) => l.msg === 'publishing');
    assert.equal(publishing?.streamFingerprint, nameFingerprint(SECRET_KEY));
    const rejected = capture.lines.find((l) => l.msg === 'publish rejected');
    assert.equal(rejected?.streamFingerprint, nameFingerprint(DENIED_KEY));
    assert.equal(capture.lines.find((l) => l.msg === 'playing')?.stream, 'pb_public');
  });
});

describe('RtmpServerConnection idle timeout', () => {
  /** Short, so the test sees several idle periods go by; nothing here measures time. */
  const IDLE_TIMEOUT_MS = 150;
  const PINGS_SURVIVED = 3;
  const capture = new CapturingLogger();
  const server = new RtmpServer({ logger: capture.logger(), idleTimeoutMs: IDLE_TIMEOUT_MS });
  const clients: RtmpClient[] = [];
  let url = '';

  before(async () => {
    const { port } = await server.listen(0);
    url = `rtmp://127.0.0.1:${port}/live`;
  });

  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  it('keeps a viewer waiting for its publisher (pinged each idle period) and closes a connection with no stream', async () => {
    const viewer = new RtmpClient({ url });
    const bystander = new RtmpClient({ url });
    clients.push(viewer, bystander);
    let viewerClosed = false;
    viewer.on('close', () => {
      viewerClosed = true;
    });
    await viewer.connect();
    await viewer.play('not_live_yet');
    const { connId: viewerConn } = await capture.waitFor((l) => l.msg === 'playing');
    await bystander.connect();
    const { connId: bystanderConn } = await capture.waitFor(
      (l) => l.msg === 'connected' && l.connId !== viewerConn,
    );

    const closed = await capture.waitFor((l) => l.msg === 'closed' && l.connId === bystanderConn);
    assert.equal(closed.reason, 'idle timeout');

    const pings = () => capture.lines.filter((l) => l.msg === 'idle: ping sent' && l.connId === viewerConn);
    await capture.waitFor(() => pings().length >= PINGS_SURVIVED);
    assert.equal(viewerClosed, false);
    assert.ok(!capture.lines.some((l) => l.msg === 'closed' && l.connId === viewerConn));
    assert.ok(!capture.lines.some((l) => l.msg === 'idle: ping sent' && l.connId === bystanderConn));
  });
});
