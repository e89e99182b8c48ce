import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { connectRedirectOf, RtmpError, StatusCode } from '@tributary/rtmp-core';
import { RtmpClient, RtmpServer, SocketTransport } from '@tributary/rtmp-core/node';
import { freePort, waitUntil } from '@tributary/test-kit';
import { selfSignedCertificate } from '../src/rtmps/self-signed-cert';
import { ControlPlane, type EdgeHandle, edgeMetric, type StreamHandle } from './support/control-plane';
import { playFrames } from './support/edge-process';
import { Peers } from './support/peers';

/**
 * RTMPS and load balancing with real processes: two edges serving RTMPS (each reports its RTMPS URL
 * in its heartbeat), A capped at one viewer. Once A is full, a connect to A's rtmps:// URL is answered
 * with a 302 naming B's rtmps:// URL (the connect query kept), never B's plain RTMP URL, and our client
 * follows it and plays over TLS on B; a plain-RTMP connect to A is still sent to B's rtmp:// URL.
 */

const DEADLINE_MS = 20_000;
const TLS = { rejectUnauthorized: false, servername: 'localhost' } as const;

async function redirectOf(url: string): Promise<string | undefined> {
  const c = new RtmpClient({ url, timeoutMs: 10_000, tls: TLS });
  try {
    await c.connect();
    return undefined;
  } catch (err) {
    if (err instanceof RtmpError) return connectRedirectOf(err);
    throw err;
  } finally {
    c.close();
  }
}

describe('RTMPS across a 302: a TLS client is redirected to the other edge’s rtmps:// URL', {
  timeout: 150_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-rtmps-lb-'));
  const clip = join(dir, 'clip.flv');
  const clients: RtmpClient[] = [];
  let plane: ControlPlane;
  let stream: StreamHandle;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let aRtmps: string;
  let bRtmps: string;
  let publisher: ChildProcess;

  before(async () => {
    await peers.makeClip(clip, 4);
    const cert = selfSignedCertificate({ commonName: 'lb', altNames: ['localhost', '127.0.0.1'], days: 1 });
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    plane = await ControlPlane.start({ dir });
    const tenant = await plane.newTenant('Balanced TLS');
    stream = await plane.newStream(tenant, 'tls-balanced');
    const [aPort, bPort] = [await freePort(), await freePort()];
    aRtmps = `rtmps://127.0.0.1:${aPort}/live`;
    bRtmps = `rtmps://127.0.0.1:${bPort}/live`;
    const tls = (port: number, url: string) => ({
      RTMPS_PORT: String(port),
      RTMPS_CERT_FILE: join(dir, 'tls.crt'),
      RTMPS_KEY_FILE: join(dir, 'tls.key'),
      EDGE_PUBLIC_RTMPS_URL: url,
      RELAY_LINGER_MS: '1000',
    });
    [a, b] = (await Promise.all([
      plane.startEdge({ name: 'tls-a', env: { ...tls(aPort, aRtmps), EDGE_MAX_VIEWERS: '1' } }),
      plane.startEdge({ name: 'tls-b', env: tls(bPort, bRtmps) }),
    ])) as [EdgeHandle, EdgeHandle];
    publisher = peers.publish(clip, `${a.rtmp}/${stream.streamKey}`);
    await waitUntil(async () => (await edgeMetric(a, 'tributary_edge_publishers')) === 1, {
      what: 'the publisher live on A',
      timeoutMs: DEADLINE_MS,
    });
    const first = new RtmpClient({ url: aRtmps, timeoutMs: DEADLINE_MS, tls: TLS });
    clients.push(first);
    await playFrames(first, stream.playbackId, 10);
    // A is full; it redirects once its heartbeat answer names B (with B's RTMPS URL).
    await waitUntil(async () => (await redirectOf(`${aRtmps}?probe=1`)) !== undefined, {
      what: 'A redirecting TLS connects once full and told of B',
      timeoutMs: DEADLINE_MS,
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a connect over TLS is sent to B’s rtmps:// URL with its query; a plain one to B’s rtmp:// URL', async () => {
    assert.equal(await redirectOf(`${aRtmps}?token=abc`), `${bRtmps}?token=abc`);
    assert.equal(await redirectOf(`${a.rtmp}?token=abc`), `${b.rtmp}?token=abc`);
  });

  it('our client follows the TLS redirect and plays on B over TLS (B pulls from A)', async () => {
    const client = new RtmpClient({ url: aRtmps, timeoutMs: DEADLINE_MS, followRedirects: 2, tls: TLS });
    clients.push(client);
    await playFrames(client, stream.playbackId, 25);
    assert.deepEqual(client.redirects, [bRtmps]);
    assert.equal(client.currentUrl, bRtmps);
    assert.equal(publisher.exitCode, null);
  });

  it('our client never follows a redirect from rtmps:// to plain rtmp:// (a server that tries gets the error back)', async () => {
    // An RTMP server behind TLS whose connect hook answers a 302 to a plain rtmp:// URL.
    const cert = selfSignedCertificate({ commonName: 'downgrade', altNames: ['localhost'], days: 1 });
    const rtmp = new RtmpServer({
      hooks: {
        onConnect: () => ({
          allow: false,
          code: StatusCode.ConnectRejected,
          description: 'go elsewhere',
          redirect: 'rtmp://127.0.0.1:1/live?token=secret',
        }),
      },
    });
    const tls = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (sock) =>
      rtmp.accept(new SocketTransport(sock, 'tls')),
    );
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const url = `rtmps://127.0.0.1:${(tls.address() as AddressInfo).port}/live?token=secret`;
    const client = new RtmpClient({ url, timeoutMs: 10_000, followRedirects: 3, tls: TLS });
    try {
      const err = await client.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RtmpError, String(err));
      assert.equal(connectRedirectOf(err), 'rtmp://127.0.0.1:1/live?token=secret', 'the 302 is reported');
      assert.deepEqual(client.redirects, [], 'but not followed');
      assert.equal(client.currentUrl, url);
    } finally {
      client.close();
      await rtmp.close();
      tls.close();
    }
  });
});
