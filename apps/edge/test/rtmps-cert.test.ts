import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, createServer } from 'node:tls';
import { loadCertificatePair } from '../src/rtmps/certificate-files';
import { ensureDevCertificate } from '../src/rtmps/dev-certificate';
import { selfSignedCertificate } from '../src/rtmps/self-signed-cert';

/**
 * The local RTMPS certificate (npm start) read by peers we did not write: the openssl CLI's parser, and
 * OpenSSL's verifier through a real TLS handshake that trusts it as its only CA.
 */
describe('RTMPS certificate: self-signed by node:crypto, checked by openssl and a TLS handshake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmps-cert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('openssl x509 -text reads it: v3, ecdsa-with-SHA256, SAN, basicConstraints CA:FALSE critical, serverAuth', () => {
    const made = selfSignedCertificate({
      commonName: 'Tributary local RTMPS',
      altNames: ['localhost', '127.0.0.1', '::1'],
      days: 30,
    });
    const file = join(dir, 'c.pem');
    writeFileSync(file, made.certPem);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', file], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /Subject: CN ?= ?Tributary local RTMPS/);
    assert.match(text, /Issuer: CN ?= ?Tributary local RTMPS/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature/);
    assert.match(text, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    // openssl's own verification of the self-signature, with the certificate as its trust anchor.
    const verify = execFileSync('openssl', ['verify', '-CAfile', file, '-purpose', 'sslserver', file], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.match(verify, /: OK/);
  });

  it('a TLS client that trusts only it verifies the server as localhost and as 127.0.0.1', async () => {
    const made = selfSignedCertificate({
      commonName: 'local',
      altNames: ['localhost', '127.0.0.1'],
      days: 1,
    });
    const server = createServer({ cert: made.certPem, key: made.keyPem, minVersion: 'TLSv1.2' }, (s) =>
      s.end('ok'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const servername of ['localhost', undefined]) {
        const sock = connect({ port, host: '127.0.0.1', ca: made.certPem, servername, timeout: 5000 });
        await once(sock, 'secureConnect');
        assert.equal(sock.authorized, true, String(sock.authorizationError));
        assert.equal(
          sock.getPeerCertificate().fingerprint256,
          new X509Certificate(made.certPem).fingerprint256,
        );
        sock.destroy();
      }
      // A name it does not carry fails verification.
      const wrong = connect({ port, host: '127.0.0.1', ca: made.certPem, servername: 'example.com' });
      const [err] = (await once(wrong, 'error')) as [Error & { code?: string }];
      assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      server.close();
    }
  });

  it('ensureDevCertificate writes once (key 0600), reuses it across starts, renews near expiry or for a new host', () => {
    const d = join(dir, 'dev');
    const first = ensureDevCertificate(d);
    assert.equal(first.created, true);
    assert.equal(statSync(first.keyFile).mode & 0o777, 0o600);
    const again = ensureDevCertificate(d);
    assert.equal(again.created, false);
    assert.equal(again.fingerprint256, first.fingerprint256);
    // 89.5 days on: less than a day left of 90, so a new one.
    const later = ensureDevCertificate(d, undefined, new Date(Date.now() + 89.5 * 86_400_000));
    assert.equal(later.created, true);
    assert.notEqual(later.fingerprint256, first.fingerprint256);
    const otherHost = ensureDevCertificate(d, ['localhost', '127.0.0.1', '::1', '192.0.2.7']);
    assert.equal(otherHost.created, true);
    assert.equal(new X509Certificate(readFileSync(otherHost.certFile)).checkIP('192.0.2.7'), '192.0.2.7');
    // The pair serves: loadCertificatePair (the edge's loader) accepts it.
    assert.equal(
      loadCertificatePair(otherHost.certFile, otherHost.keyFile).summary.fingerprint256,
      otherHost.fingerprint256,
    );
    // A damaged file is replaced, not served.
    writeFileSync(otherHost.certFile, 'garbage');
    assert.equal(ensureDevCertificate(d, ['localhost', '127.0.0.1', '::1', '192.0.2.7']).created, true);
  });

  it('loadCertificatePair serves what cert-manager and certbot write: an openssl RSA key (PKCS#1 and PKCS#8) and a chain file', () => {
    const d = join(dir, 'openssl');
    execFileSync('mkdir', ['-p', d]);
    // A CA and a leaf it signed, as an issuer would: the cert file holds the leaf, then the CA.
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: d, timeout: 20_000, stdio: 'pipe' });
    sh([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=Test CA',
      '-days',
      '2',
    ]);
    sh([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=live.example.test',
    ]);
    writeFileSync(join(d, 'ext.cnf'), 'subjectAltName=DNS:live.example.test\n');
    sh([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]);
    writeFileSync(
      join(d, 'chain.crt'),
      Buffer.concat([readFileSync(join(d, 'leaf.crt')), readFileSync(join(d, 'ca.crt'))]),
    );
    sh(['rsa', '-in', 'leaf.key', '-traditional', '-out', 'leaf-pkcs1.key']);
    for (const key of ['leaf.key', 'leaf-pkcs1.key']) {
      const pair = loadCertificatePair(join(d, 'chain.crt'), join(d, key));
      assert.equal(pair.summary.subject, 'CN=live.example.test', key);
      assert.equal(pair.summary.issuer, 'CN=Test CA');
      assert.equal(pair.summary.altNames, 'DNS:live.example.test');
      assert.ok(pair.summary.secondsLeft > 86_400);
    }
    // The CA's key with the leaf certificate is refused.
    assert.throws(() => loadCertificatePair(join(d, 'chain.crt'), join(d, 'ca.key')), /is not the key/);
  });

  it('loadCertificatePair names what is wrong: missing file, not PEM, a key of another certificate', () => {
    const a = selfSignedCertificate({ commonName: 'a', altNames: ['localhost'], days: 1 });
    const b = selfSignedCertificate({ commonName: 'b', altNames: ['localhost'], days: 1 });
    const cert = join(dir, 'a.pem');
    const key = join(dir, 'b-key.pem');
    writeFileSync(cert, a.certPem);
    writeFileSync(key, b.keyPem);
    assert.throws(() => loadCertificatePair(join(dir, 'none.pem'), key), /RTMPS_CERT_FILE .*cannot read/);
    assert.throws(() => loadCertificatePair(key, key), /RTMPS_CERT_FILE .*not a PEM certificate/);
    assert.throws(() => loadCertificatePair(cert, cert), /RTMPS_KEY_FILE .*not a PEM private key/);
    assert.throws(() => loadCertificatePair(cert, key), /is not the key of the certificate/);
  });
});
