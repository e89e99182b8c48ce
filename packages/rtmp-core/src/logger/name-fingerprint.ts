import { createHash } from 'node:crypto';

/**
 * 8 hex digits (32 bits of SHA-256): enough to tell one stream's lines from another's in a log, far too
 * few to search for the name, and a hash cannot be turned back into it.
 */
const FINGERPRINT_HEX_DIGITS = 8;

/**
 * What the server logs in place of a publishing name, which for ingest is the secret stream key
 * (docs/reliability.md: secrets-at-rest): the first hex digits of its SHA-256. The same name always gives the same fingerprint,
 * so an operator who holds the key can find its lines.
 */
export function nameFingerprint(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, FINGERPRINT_HEX_DIGITS);
}
