import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { createLogger } from '@tributary/service-kit';
import { waitUntil } from '@tributary/test-kit';
import { MetricsRegistry } from '../src/http/metrics';
import { ConnectionsPerIp } from '../src/rtmp/connections-per-ip';
import { RtmpsListener } from '../src/rtmps/rtmps-listener';
import { selfSignedCertificate } from '../src/rtmps/self-signed-cert';

/**
 * The RTMPS listener on real TLS sockets, without the RTMP layer (accept() echoes): the handshake
 * deadline against silence, trickled bytes and garbage, the per-address cap while handshakes run, TLS
 * below 1.2 refused, and certificate reload (a new pair for new handshakes, open ones untouched, a
 * broken pair refused and the old one kept). rtmps.test.ts runs the same surfaces through a real edge.
 */

const HANDSHAKE_MS = 800;
const CAP = 5;

function metric(registry: MetricsRegistry, sample: string): number {
  const line = registry
    .render()
    .split('\n')
    .find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** Resolves with ms until the peer closed `sock` (or fails after `ms`). */
async function closedWithin(sock: Socket, ms: number): Promise<number> {
  const t0 = Date.now();
  sock.on('error', () => {});
  // Not events.once: it would reject on the 'error' (a reset) that comes before the close.
  const closed = new Promise((resolve) => sock.once('close', resolve));
  const timer = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms),
  );
  await Promise.race([closed, timer]);
  return Date.now() - t0;
}

function tls(port: number, opts: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' } = {}): TLSSocket {
  return tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
}

describe('RtmpsListener: TLS in front of the RTMP server', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmps-listener-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const registry = new MetricsRegistry();
  const perIp = new ConnectionsPerIp(CAP);
  const accepted: TLSSocket[] = [];
  const logger = createLogger({
    name: 'rtmps-test',
    level: process.env.TEST_LOG_LEVEL ?? 'silent',
    format: 'json',
  });
  let listener: RtmpsListener;
  let port: number;

  function writePair(commonName: string): string {
    const made = selfSignedCertificate({ commonName, altNames: ['localhost', '127.0.0.1'], days: 2 });
    // As a Secret update or certbot does it: new files renamed into place.
    writeFileSync(`${certFile}.new`, made.certPem);
    writeFileSync(`${keyFile}.new`, made.keyPem);
    renameSync(`${certFile}.new`, certFile);
    renameSync(`${keyFile}.new`, keyFile);
    return commonName;
  }

  async function subjectSeen(): Promise<string> {
    const sock = tls(port);
    await once(sock, 'secureConnect');
    const cn = String(sock.getPeerCertificate().subject.CN);
    sock.destroy();
    return cn;
  }

  before(async () => {
    writePair('first');
    listener = new RtmpsListener({
      certFile,
      keyFile,
      handshakeTimeoutMs: HANDSHAKE_MS,
      certCheckIntervalMs: 60_000, // the test calls checkFiles() itself
      maxTlsVersion: 'TLSv1.2',
      maxConnections: 1000,
      takeSlot: (ip) => perIp.take(ip),
      accept: (sock) => {
        accepted.push(sock);
        sock.on('error', () => {});
        sock.on('data', (d: Buffer) => sock.write(d));
      },
      logger,
      metrics: registry,
    });
    port = (await listener.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    for (const s of accepted) s.destroy();
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a TLS client gets through to accept(), which has the decrypted bytes, and the slot is released', async () => {
    const sock = tls(port);
    await once(sock, 'secureConnect');
    assert.equal(
      sock.getProtocol(),
      'TLSv1.2',
      'at most the configured version, though the client offers 1.3',
    );
    sock.write('ping');
    const [echo] = (await once(sock, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'ping');
    assert.equal(listener.pendingHandshakes, 0);
    assert.equal(
      perIp.count('127.0.0.1'),
      0,
      'a finished handshake gives its slot back (the RTMP connection takes its own)',
    );
    assert.equal(metric(registry, 'tributary_edge_rtmps_connections'), 1);
    assert.ok(metric(registry, 'tributary_edge_rtmps_handshakes_total') >= 1);
    sock.destroy();
    await waitUntil(() => metric(registry, 'tributary_edge_rtmps_connections') === 0, {
      what: 'the closed TLS connection no longer counted',
      timeoutMs: 2000,
    });
  });

  it('with maxTlsVersion TLSv1.3 a client that offers it gets TLS 1.3', async () => {
    const v13 = new RtmpsListener({
      certFile,
      keyFile,
      handshakeTimeoutMs: HANDSHAKE_MS,
      certCheckIntervalMs: 60_000,
      maxTlsVersion: 'TLSv1.3',
      maxConnections: 10,
      takeSlot: (ip) => perIp.take(ip),
      accept: (sock) => sock.destroy(),
      logger,
      metrics: new MetricsRegistry(),
    });
    const { port: p13 } = await v13.listen(0, '127.0.0.1');
    try {
      const sock = tls(p13);
      sock.on('error', () => {});
      await once(sock, 'secureConnect');
      assert.equal(sock.getProtocol(), 'TLSv1.3');
      sock.destroy();
    } finally {
      await v13.close();
    }
  });

  it('TLS 1.1 is refused', async () => {
    const sock = tls(port, { maxVersion: 'TLSv1.1' });
    sock.on('error', () => {});
    const [err] = (await once(sock, 'error')) as [Error & { code?: string }];
    assert.match(String(err.code ?? err.message), /VERSION|PROTOCOL|ALERT/i);
  });

  it('garbage bytes and plain RTMP (C0+C1) on the TLS port are closed at once, counted as tls_error', async () => {
    const before = metric(registry, 'tributary_edge_rtmps_handshake_failures_total{reason="tls_error"}');
    const garbage = tcpConnect(port, '127.0.0.1');
    garbage.on('connect', () => garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    assert.ok((await closedWithin(garbage, 2000)) < 2000);
    const rtmp = tcpConnect(port, '127.0.0.1');
    rtmp.on('connect', () => rtmp.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7)])));
    assert.ok((await closedWithin(rtmp, 2000)) < 2000);
    await waitUntil(
      () =>
        metric(registry, 'tributary_edge_rtmps_handshake_failures_total{reason="tls_error"}') >= before + 2,
      { what: 'two tls_error failures counted', timeoutMs: 2000 },
    );
    await waitUntil(() => listener.pendingHandshakes === 0 && perIp.count('127.0.0.1') === 0, {
      what: 'slots released',
      timeoutMs: 2000,
    });
  });

  it('a peer that hangs up half-way through its ClientHello gives its slot back at once', async () => {
    const quitter = tcpConnect(port, '127.0.0.1');
    quitter.on('error', () => {});
    await once(quitter, 'connect');
    await waitUntil(() => perIp.count('127.0.0.1') === 1, { what: 'the slot taken', timeoutMs: 2000 });
    quitter.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await waitUntil(() => perIp.count('127.0.0.1') === 0 && listener.pendingHandshakes === 0, {
      what: 'the slot given back well before the deadline',
      timeoutMs: HANDSHAKE_MS / 2,
    });
    quitter.destroy();
  });

  it('a silent socket and a trickled ClientHello are both closed at the absolute deadline', async () => {
    const silent = tcpConnect(port, '127.0.0.1');
    const trickle = tcpConnect(port, '127.0.0.1');
    // The first bytes of a TLS record header (handshake, TLS 1.0 record version, length), one per 100 ms:
    // an idle timer would never fire.
    const bytes = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x00, 0x00, 0x00];
    let i = 0;
    const drip = setInterval(() => {
      if (i < bytes.length && !trickle.destroyed) trickle.write(Buffer.from([bytes[i++] as number]));
    }, 100);
    try {
      const [a, b] = await Promise.all([
        closedWithin(silent, HANDSHAKE_MS + 1500),
        closedWithin(trickle, HANDSHAKE_MS + 1500),
      ]);
      assert.ok(a >= HANDSHAKE_MS - 100, `silent closed after ${a} ms, not before the deadline`);
      assert.ok(b >= HANDSHAKE_MS - 100, `trickle closed after ${b} ms`);
    } finally {
      clearInterval(drip);
    }
    assert.ok(metric(registry, 'tributary_edge_rtmps_handshake_failures_total{reason="timeout"}') >= 2);
    assert.equal(listener.pendingHandshakes, 0);
  });

  it(`half-open TLS sockets from one address: at most ${CAP} held, the rest closed at once, slots back after the deadline`, async () => {
    const socks = Array.from({ length: CAP + 10 }, () => tcpConnect(port, '127.0.0.1'));
    for (const s of socks) s.on('error', () => {});
    await Promise.all(socks.map((s) => once(s, 'connect')));
    await waitUntil(() => socks.filter((s) => s.closed || s.destroyed).length >= 10, {
      what: '10 sockets over the cap closed',
      timeoutMs: 2000,
    });
    assert.equal(listener.pendingHandshakes, CAP);
    assert.equal(perIp.count('127.0.0.1'), CAP);
    assert.ok(
      metric(registry, 'tributary_edge_rtmps_handshake_failures_total{reason="address_limit"}') >= 10,
    );
    // While the address is full even a real TLS client is turned away...
    const refused = tls(port);
    refused.on('error', () => {});
    await closedWithin(refused, 2000);
    // ...and once the held ones time out it gets through again.
    await waitUntil(() => listener.pendingHandshakes === 0, {
      what: 'held sockets timed out',
      timeoutMs: HANDSHAKE_MS + 2000,
    });
    assert.equal(perIp.count('127.0.0.1'), 0);
    assert.equal(await subjectSeen(), 'first');
    for (const s of socks) s.destroy();
  });

  it('a renewed pair serves new handshakes after it settles; an open TLS connection keeps working', async () => {
    const open = tls(port);
    await once(open, 'secureConnect');
    assert.equal(open.getPeerCertificate().subject.CN, 'first');
    writePair('second');
    assert.equal(
      listener.checkFiles(),
      'settling',
      'a change is applied only once it held for one more look',
    );
    assert.equal(await subjectSeen(), 'first');
    assert.equal(listener.checkFiles(), 'applied');
    assert.equal(await subjectSeen(), 'second');
    assert.equal(listener.certificate.subject, 'CN=second');
    open.write('still here');
    const [echo] = (await once(open, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'still here');
    open.destroy();
  });

  it('a broken new pair (garbage cert, or a key of another cert) is refused once and the served one kept', async () => {
    writeFileSync(certFile, 'not a certificate');
    listener.checkFiles();
    assert.equal(listener.checkFiles(), 'refused');
    assert.equal(listener.checkFiles(), 'unchanged', 'refused once, not on every look');
    assert.equal(await subjectSeen(), 'second');
    // A cert whose key is another's (a half-finished renewal that stays so).
    const other = selfSignedCertificate({ commonName: 'third', altNames: ['localhost'], days: 1 });
    writeFileSync(certFile, other.certPem);
    listener.checkFiles();
    assert.equal(listener.checkFiles(), 'refused');
    assert.equal(await subjectSeen(), 'second');
    assert.equal(metric(registry, 'tributary_edge_rtmps_certificate_reloads_total{result="refused"}'), 2);
    // Fixed: the key arrives, and the pair is served.
    writeFileSync(keyFile, other.keyPem);
    listener.checkFiles();
    assert.equal(listener.checkFiles(), 'applied');
    assert.equal(await subjectSeen(), 'third');
  });
});
