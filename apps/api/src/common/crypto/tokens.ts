import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets handed out once (API keys, edge credentials, session cookies, stream
 * keys). 32 random bytes is 256 bits: a plain sha256 is then a safe stored form
 * (no dictionary to brute-force), and lookups by digest need no per-row salt.
 */
const SECRET_BYTES = 32;

/** `<prefix>_<43 base64url chars>`; base64url keeps every secret inside contracts' SAFE_NAME alphabet. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two hex digests of the same algorithm (fixed length). */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
