import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ipv6Bytes, selfSignedCertificate } from './self-signed-cert';

describe('selfSignedCertificate (node:crypto + der.ts)', () => {
  it('is a v3 certificate node:crypto parses: self-signed, its key, SAN localhost and loopback IPs, serverAuth', () => {
    const now = new Date('2026-12-06T21:00:00Z');
    const made = selfSignedCertificate({
      commonName: 'Tributary local RTMPS',
      altNames: ['localhost', '127.0.0.1', '::1'],
      days: 90,
      now,
    });
    const cert = new X509Certificate(made.certPem);
    assert.equal(cert.subject, 'CN=Tributary local RTMPS');
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
    assert.ok(cert.checkPrivateKey(createPrivateKey(made.keyPem)), 'the key is the certificate’s');
    assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('example.com'), undefined);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(new Date(cert.validFrom).toISOString(), '2026-12-06T20:00:00.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2027-03-06T21:00:00.000Z');
    assert.equal(made.notAfter.toISOString(), '2027-03-06T21:00:00.000Z');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  });

  it('every certificate has its own key and serial', () => {
    const opts = { commonName: 'x', altNames: ['localhost'], days: 1 };
    const a = new X509Certificate(selfSignedCertificate(opts).certPem);
    const b = new X509Certificate(selfSignedCertificate(opts).certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.notEqual(a.fingerprint256, b.fingerprint256);
    assert.match(a.serialNumber, /^[0-9A-F]{32}$/);
    assert.ok(Number.parseInt(a.serialNumber.slice(0, 2), 16) < 0x80, 'positive serial');
  });

  it('refuses names that are neither DNS names nor IP addresses, and silly lifetimes', () => {
    const base = { commonName: 'x', altNames: ['localhost'], days: 1 };
    assert.throws(() => selfSignedCertificate({ ...base, altNames: ['a b'] }), RangeError);
    assert.throws(() => selfSignedCertificate({ ...base, altNames: ['-x.example'] }), RangeError);
    assert.throws(() => selfSignedCertificate({ ...base, altNames: [] }), RangeError);
    assert.throws(() => selfSignedCertificate({ ...base, days: 0 }), RangeError);
    assert.throws(() => selfSignedCertificate({ ...base, commonName: '' }), RangeError);
  });

  it('IPv6 literals become their 16 bytes (:: expanded, IPv4 tail)', () => {
    assert.equal(ipv6Bytes('::1').toString('hex'), '00000000000000000000000000000001');
    assert.equal(ipv6Bytes('fe80::1:2').toString('hex'), 'fe800000000000000000000000010002');
    assert.equal(ipv6Bytes('::ffff:192.0.2.1').toString('hex'), '00000000000000000000ffffc0000201');
    assert.equal(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex'), '00010002000300040005000600070008');
    assert.throws(() => ipv6Bytes('1::2::3'), RangeError);
  });

  it('property: any DNS names and IP addresses land in the SAN and match, and the signature verifies', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const dns = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(dns, fc.ipV4(), fc.ipV6()), { minLength: 1, maxLength: 5 }),
        (altNames) => {
          const made = selfSignedCertificate({ commonName: 'prop', altNames, days: 7 });
          const cert = new X509Certificate(made.certPem);
          assert.ok(cert.verify(cert.publicKey));
          for (const name of altNames) {
            const hit =
              name.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(name)
                ? cert.checkIP(name)
                : cert.checkHost(name);
            assert.ok(hit !== undefined, `${name} in ${cert.subjectAltName}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
