import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { connectRedirectOf, RtmpError, StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { parseEdgeRedirectSmil } from '@tributary/smil';
import { waitUntil } from '@tributary/test-kit';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { playFrames } from './support/edge-process';
import { Peers } from './support/peers';

/**
 * Load balancing (issue 11) with real processes: the api and two edges, A capped at one viewer
 * (EDGE_MAX_VIEWERS=1). Once A is full, a new connect there is answered `_error`
 * NetConnection.Connect.Rejected with ex.code 302 and ex.redirect naming B with the connect query kept;
 * our client follows it and plays on B (which pulls from A). ffmpeg is fed the same 302 to record what
 * it does. SMIL from A names B while A is full, from B names B; the named base + src plays.
 */

const SETUP_DEADLINE_MS = 20_000;

/** Connects with our client (no following) and returns the rejection, or undefined when accepted. */
async function connectOutcome(url: string): Promise<RtmpError | undefined> {
  const c = new RtmpClient({ url, timeoutMs: 10_000 });
  try {
    await c.connect();
    return undefined;
  } catch (err) {
    if (err instanceof RtmpError) return err;
    throw err;
  } finally {
    c.close();
  }
}

describe('load balancing: RTMP 302 and SMIL across two real edges', { timeout: 120_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-lb-'));
  const clip = join(dir, 'clip.flv');
  const clients: RtmpClient[] = [];
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let open: StreamHandle;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let publisher: ChildProcess;

  before(async () => {
    await peers.makeClip(clip, 4);
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('Balancing');
    open = await plane.newStream(tenant, 'balanced');
    const env = { RELAY_LINGER_MS: '1000', PUBLISHER_IDLE_TIMEOUT_MS: '3000' };
    [a, b] = (await Promise.all([
      plane.startEdge({ name: 'edge-a', env: { ...env, EDGE_MAX_VIEWERS: '1' } }),
      plane.startEdge({ name: 'edge-b', env }),
    ])) as [EdgeHandle, EdgeHandle];
    publisher = peers.publish(clip, `${a.rtmp}/${open.streamKey}`);
    // Live before A fills up: a publisher connecting to a full edge would be redirected too.
    await waitUntil(async () => (await edgeMetric(a, 'tributary_edge_publishers')) === 1, {
      what: 'the publisher live on A',
      timeoutMs: SETUP_DEADLINE_MS,
    });
    const first = new RtmpClient({ url: a.rtmp, timeoutMs: SETUP_DEADLINE_MS });
    clients.push(first);
    await playFrames(first, open.playbackId, 10);
    // A is full; it redirects once its heartbeat answer names B.
    await waitUntil(async () => connectRedirectOf(await connectOutcome(`${a.rtmp}?probe=1`)) !== undefined, {
      what: 'A redirecting once full and told of B',
      timeoutMs: SETUP_DEADLINE_MS,
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full edge answers connect with _error Connect.Rejected, ex.code 302, ex.redirect = B with the query kept', async () => {
    const err = await connectOutcome(`${a.rtmp}?token=abc`);
    assert.ok(err, 'connect was accepted');
    const info = err.details?.info as { code: string; level: string; ex: { code: number; redirect: string } };
    assert.equal(info.level, 'error');
    assert.equal(info.code, StatusCode.ConnectRejected);
    assert.equal(info.ex.code, 302);
    assert.equal(info.ex.redirect, `${b.rtmp}?token=abc`);
    assert.ok((await edgeMetric(a, 'tributary_edge_connect_redirects_total{reason="viewers"}')) >= 1);
  });

  it('a raw client (hand-built handshake and connect over a socket) reads the same 302 bytes', async () => {
    // Our client's connect() is the raw encoder here; what matters is the server's bytes, so check them
    // on a bare socket too: the reply names B's URL as an AMF0 string inside the _error.
    const { port, hostname } = new URL(a.rtmp);
    const sock = createConnection(Number(port), hostname);
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    // C0 + C1 (simple handshake), then C2 = S1 once it arrives, then a connect command (AMF0).
    sock.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
    await waitUntil(() => Buffer.concat(got).length >= 1 + 1536 * 2, { what: 'S0 S1 S2', timeoutMs: 5000 });
    const s1 = Buffer.concat(got).subarray(1, 1537);
    got.length = 0;
    const amfString = (s: string) => {
      const b = Buffer.alloc(3 + Buffer.byteLength(s));
      b[0] = 2;
      b.writeUInt16BE(Buffer.byteLength(s), 1);
      b.write(s, 3);
      return b;
    };
    const key = (s: string) => amfString(s).subarray(1);
    const tcUrl = `${a.rtmp}?token=raw`;
    const body = Buffer.concat([
      amfString('connect'),
      Buffer.from([0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), // number 1 (transaction id)
      Buffer.from([3]),
      key('app'),
      amfString('live'),
      key('tcUrl'),
      amfString(tcUrl),
      Buffer.from([0, 0, 9]),
    ]);
    assert.ok(body.length < 128, 'fits one chunk of the default size');
    const header = Buffer.alloc(12);
    header[0] = 3; // fmt 0, csid 3
    header.writeUIntBE(body.length, 4, 3);
    header[7] = 20; // command AMF0
    sock.write(Buffer.concat([s1, header, body]));
    await waitUntil(() => Buffer.concat(got).includes(`${b.rtmp}?token=raw`), {
      what: 'the redirect URL in the reply',
      timeoutMs: 5000,
    });
    // A rejected connect gets nothing before its _error: one message on the command chunk stream, in
    // 128-byte chunks (no SetChunkSize yet), each continuation behind a one-byte fmt 3 header.
    const raw = Buffer.concat(got);
    assert.equal(raw[0]! & 0x3f, 3, 'command chunk stream');
    assert.equal(raw[7], 20, 'an AMF0 command');
    const length = raw.readUIntBE(4, 3);
    const pieces: Buffer[] = [];
    for (let at = 12, left = length; left > 0; at += 1) {
      const n = Math.min(128, left);
      pieces.push(raw.subarray(at, at + n));
      left -= n;
      at += n;
    }
    const reply = Buffer.concat(pieces);
    assert.equal(reply.length, length);
    assert.ok(reply.includes('_error'));
    assert.ok(reply.includes(StatusCode.ConnectRejected));
    assert.ok(
      reply.includes(Buffer.concat([key('code'), Buffer.from([0, 0x40, 0x72, 0xe0, 0, 0, 0, 0, 0])])),
      'ex.code 302 (AMF0 number)',
    );
    sock.destroy();
  });

  it('our client follows the 302 to B and plays there (B pulls from A)', async () => {
    const client = new RtmpClient({ url: a.rtmp, timeoutMs: SETUP_DEADLINE_MS, followRedirects: 2 });
    clients.push(client);
    assert.ok((await playFrames(client, open.playbackId, 25)) >= 25);
    assert.deepEqual(client.redirects, [b.rtmp]);
    assert.equal(client.currentUrl, b.rtmp);
  });

  it('ffmpeg and rtmpdump fed the 302: what they do is recorded (FFmpeg 5.1 and librtmp report the server error, neither follows)', async () => {
    const played = await peers.decodeFrames(`${a.rtmp}/${open.playbackId}`, 10);
    if (played.frames === 10) return; // a build that follows the redirect plays
    assert.notEqual(played.code, 0);
    assert.match(played.stderr, /at capacity/);
    // rtmpdump 2.4 (librtmp) reads the _error as a server error and stops; nothing is saved.
    const dumped = await peers.rtmpdumpFrames(
      ['-r', `${a.rtmp}/${open.playbackId}`],
      join(dir, 'full.flv'),
      2,
    );
    assert.equal(dumped.frames, 0);
  });

  it('SMIL from the full edge names B; from B names B; base + src plays', async () => {
    const fromA = await fetch(`${a.http}${PlaybackHttpPaths.smil(open.playbackId)}?token=t0`);
    assert.equal(fromA.status, 200);
    assert.match(fromA.headers.get('content-type') ?? '', /^application\/smil\+xml/);
    const redirect = parseEdgeRedirectSmil(await fromA.text());
    assert.equal(redirect.edge.base, b.rtmp);
    assert.equal(redirect.streamName, open.playbackId);
    assert.equal(redirect.query, 'token=t0');
    const fromB = parseEdgeRedirectSmil(
      await (await fetch(`${b.http}${PlaybackHttpPaths.smil(open.playbackId)}`)).text(),
    );
    assert.equal(fromB.edge.base, b.rtmp, 'B has room: it names itself');
    const client = new RtmpClient({ url: fromB.edge.base, timeoutMs: SETUP_DEADLINE_MS });
    clients.push(client);
    assert.ok((await playFrames(client, fromB.streamName, 10)) >= 10);
    const bad = await fetch(`${b.http}/live/not..ok.smil`);
    assert.equal(bad.status, 404);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  it('/readyz on the full edge says not ready (capacity), on B ready', async () => {
    assert.equal((await fetch(`${a.http}/readyz`)).status, 503);
    assert.equal((await fetch(`${b.http}/readyz`)).status, 200);
    assert.ok(publisher.exitCode === null, 'the publisher was never redirected');
  });
});
