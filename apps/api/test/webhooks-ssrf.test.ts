import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  MAX_RESPONSE_BYTES,
  type OutboundPolicy,
  postWebhook,
  type Resolver,
  urlRefusal,
} from '../src/modules/webhooks/outbound';

/**
 * The outbound client against real sockets: a local server stands in for "the platform's own network"
 * (127.0.0.1), and resolvers answer as an attacker's DNS would.
 */
let server: Server;
let port: number;
let hits = 0;
let mode: 'ok' | 'hang' | 'huge' | 'redirect' = 'ok';

before(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    if (mode === 'hang') return;
    if (mode === 'redirect') {
      res.writeHead(307, { location: `http://127.0.0.1:${port}/inside` }).end();
      return;
    }
    if (mode === 'huge') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      // Far more than the cap: the client stops reading and closes.
      const pump = () => {
        while (res.write(chunk)) if (res.writableLength > 8 * 1024 * 1024) break;
      };
      pump();
      res.on('drain', pump);
      return;
    }
    res.writeHead(200).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const fixed =
  (...answers: string[][]): Resolver =>
  async () => {
    const a = answers.length > 1 ? (answers.shift() as string[]) : (answers[0] as string[]);
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
const policy = (resolve: Resolver, allowList: string[] = []): OutboundPolicy => ({ allowList, resolve });
const post = (url: string, p: OutboundPolicy, timeoutMs = 2000) =>
  postWebhook(url, '{"id":"evt_x"}', { 'content-type': 'application/json' }, { ...p, timeoutMs });

test('DNS rebinding: a name that resolved to a public address at registration and to 127.0.0.1 at connect is refused', async () => {
  const rebinding = fixed(['93.184.216.34'], ['127.0.0.1']);
  const p = policy(rebinding);
  assert.equal(
    await urlRefusal(`http://rebind.example:${port}/hook`, p),
    undefined,
    'accepted at registration',
  );
  const before = hits;
  const r = await post(`http://rebind.example:${port}/hook`, p);
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /refused: rebind\.example resolves to a loopback address \(127\.0\.0\.1\)/);
  assert.equal(hits, before, 'nothing reached the local server');
});

test('one private answer among public ones refuses the name; IPv6 and mapped answers are judged too', async () => {
  for (const answers of [
    ['93.184.216.34', '10.0.0.8'],
    ['::1'],
    ['::ffff:127.0.0.1'],
    ['fe80::1'],
    ['169.254.169.254'],
    ['100.100.100.200'],
  ]) {
    const before = hits;
    const r = await post(`http://mixed.example:${port}/`, policy(fixed(answers)));
    assert.equal(r.ok, false, answers.join());
    assert.match(r.error ?? '', /^refused: /);
    assert.equal(hits, before);
  }
  const nx = await post(`http://nx.example:${port}/`, {
    allowList: [],
    resolve: async () => {
      throw new Error('ENOTFOUND');
    },
  });
  assert.match(nx.error ?? '', /does not resolve/);
});

test('the socket goes to the checked address: an allow-listed name is connected where it resolved', async () => {
  // The name is not resolvable by the system; the pinned lookup answers with the checked address.
  mode = 'ok';
  const before = hits;
  const r = await post(
    `http://receiver.internal:${port}/hook`,
    policy(fixed(['127.0.0.1']), [`receiver.internal:${port}`]),
  );
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.status, 200);
  assert.equal(hits, before + 1);
});

test('literal addresses in any spelling are refused before any connection', async () => {
  const before = hits;
  for (const host of ['127.0.0.1', '2130706433', '0177.0.0.1', '0x7f.1', '[::1]', '[::ffff:127.0.0.1]']) {
    const r = await post(`http://${host}:${port}/`, policy(fixed(['93.184.216.34'])));
    assert.equal(r.ok, false, host);
    assert.match(r.error ?? '', /^refused: .*loopback/, host);
  }
  assert.equal(hits, before);
});

test('redirects are not followed; a receiver that hangs is cut at the timeout; a huge answer is read only up to the cap', async () => {
  const allowed = policy(fixed(['127.0.0.1']), [`127.0.0.1:${port}`]);
  mode = 'redirect';
  let before = hits;
  const redirected = await post(`http://127.0.0.1:${port}/hook`, allowed);
  assert.equal(redirected.ok, false);
  assert.equal(redirected.status, 307);
  assert.match(redirected.error ?? '', /^redirect not followed/);
  assert.equal(hits, before + 1, 'only the first request was made');

  mode = 'hang';
  const started = Date.now();
  const hung = await post(`http://127.0.0.1:${port}/hook`, allowed, 300);
  assert.equal(hung.ok, false);
  assert.match(hung.error ?? '', /timed out after 300 ms/);
  assert.ok(Date.now() - started < 2000);

  mode = 'huge';
  before = hits;
  const huge = await post(`http://127.0.0.1:${port}/hook`, allowed, 5000);
  assert.equal(huge.ok, true);
  assert.equal(huge.snippet?.length, 1024);
  assert.ok(MAX_RESPONSE_BYTES <= 64 * 1024);
  mode = 'ok';
});
