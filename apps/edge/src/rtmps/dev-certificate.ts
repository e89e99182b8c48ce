import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { selfSignedCertificate } from './self-signed-cert';

/** What `npm start` names in a local certificate: the loopback names plus PUBLIC_HOST when it differs. */
export const LOCAL_ALT_NAMES = ['localhost', '127.0.0.1', '::1'] as const;
/** A local certificate is renewed when it has less than this left (or names another host). */
const RENEW_BEFORE_MS = 24 * 3600_000;
const LOCAL_DAYS = 90;

export interface DevCertificate {
  certFile: string;
  keyFile: string;
  /** False when the files from an earlier start were still good and kept. */
  created: boolean;
  notAfter: Date;
  fingerprint256: string;
}

/**
 * A self-signed certificate for local RTMPS in `dir` (rtmps-cert.pem, rtmps-key.pem, key 0600), reused
 * across starts while valid for another day and naming every host of `altNames`; regenerated otherwise.
 * Files are written to a temporary name and renamed, so a running edge never reads half a file.
 */
export function ensureDevCertificate(
  dir: string,
  altNames: readonly string[] = LOCAL_ALT_NAMES,
  now = new Date(),
): DevCertificate {
  const certFile = join(dir, 'rtmps-cert.pem');
  const keyFile = join(dir, 'rtmps-key.pem');
  const existing = readUsable(certFile, keyFile, altNames, now);
  if (existing) return { certFile, keyFile, created: false, ...existing };
  const made = selfSignedCertificate({
    commonName: 'Tributary local RTMPS',
    altNames,
    days: LOCAL_DAYS,
    now,
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomically(keyFile, made.keyPem, 0o600);
  writeAtomically(certFile, made.certPem, 0o644);
  return {
    certFile,
    keyFile,
    created: true,
    notAfter: made.notAfter,
    fingerprint256: new X509Certificate(made.certPem).fingerprint256,
  };
}

function readUsable(
  certFile: string,
  keyFile: string,
  altNames: readonly string[],
  now: Date,
): { notAfter: Date; fingerprint256: string } | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    const notAfter = new Date(cert.validTo);
    if (notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS) return undefined;
    if (new Date(cert.validFrom).getTime() > now.getTime()) return undefined;
    for (const name of altNames) {
      const named = isIP(name) ? cert.checkIP(name) : cert.checkHost(name, { wildcards: false });
      if (named === undefined) return undefined;
    }
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) return undefined;
    return { notAfter, fingerprint256: cert.fingerprint256 };
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
