import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der';

/**
 * A self-signed X.509 v3 server certificate built with node:crypto and a small DER writer (der.ts), so
 * `npm start` can serve RTMPS on a machine without the openssl CLI. ECDSA P-256 with SHA-256; subject
 * and issuer are the same CN; extensions: basicConstraints (not a CA), keyUsage digitalSignature,
 * extKeyUsage serverAuth, subjectAltName (DNS names and IP addresses). No files: see dev-certificate.ts.
 */
export interface SelfSignedOptions {
  /** Subject and issuer common name. */
  commonName: string;
  /** subjectAltName entries: DNS names and IPv4/IPv6 literals (told apart with net.isIP). */
  altNames: readonly string[];
  /** Valid from `now` minus one hour (clock skew) for this many days. */
  days: number;
  now?: Date;
}

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

const OID = {
  commonName: '2.5.4.3',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const MAX_ALT_NAMES = 100;
const MAX_NAME_BYTES = 253;

export function selfSignedCertificate(opts: SelfSignedOptions): SelfSignedCertificate {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3650)
    throw new RangeError('days must be a whole number from 1 to 3650');
  if (opts.altNames.length === 0 || opts.altNames.length > MAX_ALT_NAMES)
    throw new RangeError(`between 1 and ${MAX_ALT_NAMES} subjectAltName entries`);
  // Names first: a bad one throws before a key is made.
  const san = sequence(...opts.altNames.map(generalName));
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(checkedName(opts.commonName)))));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + opts.days * 86_400_000);
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256));
  // RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes with the top bit cleared.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki(publicKey),
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence()), // cA defaults to FALSE
        // digitalSignature (bit 0): a BIT STRING of one byte, 7 unused bits.
        extension(OID.keyUsage, true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
        extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
        extension(OID.subjectAltName, false, san),
      ),
    ),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, signatureAlgorithm, bitString(signature));
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notAfter,
  };
}

function spki(publicKey: KeyObject): Buffer {
  // node:crypto writes SubjectPublicKeyInfo itself (the algorithm and the curve's OID included).
  return publicKey.export({ type: 'spki', format: 'der' });
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** GeneralName: iPAddress [7] (4 or 16 octets) for IP literals, dNSName [2] otherwise. */
function generalName(entry: string): Buffer {
  const family = isIP(entry);
  if (family === 4) return implicitPrimitive(7, Buffer.from(entry.split('.').map(Number)));
  if (family === 6) return implicitPrimitive(7, ipv6Bytes(entry));
  if (
    !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(entry)
  )
    throw new RangeError(`not a DNS name or IP address: ${JSON.stringify(entry)}`);
  return implicitPrimitive(2, Buffer.from(checkedName(entry), 'ascii'));
}

function checkedName(s: string): string {
  if (s.length === 0 || Buffer.byteLength(s) > MAX_NAME_BYTES) throw new RangeError('name length 1..253');
  return s;
}

/** An IPv6 literal (net.isIP said so) as its 16 bytes; `::` expanded, an IPv4 tail allowed. */
export function ipv6Bytes(address: string): Buffer {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new RangeError(`bad IPv6 address ${address}`);
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(Math.max(0, fill)).fill('0'), ...right];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)))
    throw new RangeError(`bad IPv6 address ${address}`);
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
