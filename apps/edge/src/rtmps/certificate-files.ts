import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** Files larger than this are not a PEM certificate chain or key (bounded read). */
const MAX_PEM_BYTES = 1024 * 1024;

/** What the logs say about a certificate (never the key). */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  altNames: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  /** Seconds until validTo (negative: expired). */
  secondsLeft: number;
}

export interface CertificatePair {
  /** For tls.createServer / server.setSecureContext. */
  options: SecureContextOptions;
  summary: CertificateSummary;
}

/** TLS below 1.2 is refused (RFC 8996 deprecates 1.0 and 1.1; every RTMPS encoder speaks 1.2). */
export const MIN_TLS_VERSION = 'TLSv1.2';

/**
 * Reads and checks a PEM certificate (chain: leaf first) and its private key: both parse, the key is
 * the certificate's, and OpenSSL builds a context from them. Throws an Error naming what is wrong;
 * the caller keeps the pair it had.
 */
export function loadCertificatePair(certFile: string, keyFile: string, now = Date.now()): CertificatePair {
  const cert = readBounded(certFile, 'RTMPS_CERT_FILE');
  const key = readBounded(keyFile, 'RTMPS_KEY_FILE');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`RTMPS_CERT_FILE ${certFile}: not a PEM certificate (${message(err)})`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`RTMPS_KEY_FILE ${keyFile}: not a PEM private key (${message(err)})`);
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(`RTMPS_KEY_FILE ${keyFile} is not the key of the certificate in ${certFile}`);
  const options: SecureContextOptions = { cert, key, minVersion: MIN_TLS_VERSION };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new Error(`RTMPS certificate ${certFile}: OpenSSL refused it (${message(err)})`);
  }
  return {
    options,
    summary: {
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      altNames: leaf.subjectAltName ?? '',
      validFrom: new Date(leaf.validFrom).toISOString(),
      validTo: new Date(leaf.validTo).toISOString(),
      fingerprint256: leaf.fingerprint256,
      secondsLeft: Math.round((new Date(leaf.validTo).getTime() - now) / 1000),
    },
  };
}

/** mtime, size and inode of both files: a change of any means "look again" (a Secret's symlink swap too). */
export function filesSignature(...files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

function readBounded(file: string, setting: string): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`${setting} ${file}: cannot read (${message(err)})`);
  }
  if (size > MAX_PEM_BYTES) throw new Error(`${setting} ${file}: ${size} bytes, more than a PEM file holds`);
  return readFileSync(file);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
