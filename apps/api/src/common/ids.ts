import { randomBytes } from 'node:crypto';

/**
 * Resource ids: a type prefix plus 16 random bytes in base64url (128 bits, so
 * ids cannot be guessed or enumerated; docs/reliability.md: cross-tenant-access). All inside SAFE_NAME.
 */
export const IdPrefix = {
  tenant: 'tn',
  user: 'usr',
  userSession: 'uss',
  apiKey: 'ak',
  liveStream: 'ls',
  liveEvent: 'ev',
  signingKey: 'kid',
  edge: 'edg',
  ingestSession: 'ses',
  asset: 'as',
  publishCredential: 'pc',
  webhookEndpoint: 'wh',
  webhookEvent: 'evt',
  usageAlert: 'ua',
  invitation: 'inv',
} as const;

export function newId(prefix: (typeof IdPrefix)[keyof typeof IdPrefix]): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** Public playback ids: 15 random bytes → 20 base64url characters, unrelated to the stream key. */
export function newPlaybackId(): string {
  return randomBytes(15).toString('base64url');
}
