import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The arithmetic of Adobe's publish authentication (`authmod=adobe`), as FMLE, FFmpeg
 * (libavformat/rtmpproto.c) and librtmp compute it, and the api's stateless challenge: an opaque that
 * any api instance verifies with the key derived from SECRETS_KEY. No I/O here.
 *
 *   secret   = base64(md5(user + salt + password))          (what the api stores)
 *   response = base64(md5(secret + opaque + clientChallenge)) (the server challenge in place of the
 *                                                            opaque for a client that ignores it)
 *
 * The opaque is base64url(nonce[12] ‖ expiresAt[4, seconds, big-endian] ‖ mac[16]) with
 * mac = HMAC-SHA256(key, label ‖ user ‖ salt ‖ nonce ‖ expiresAt) cut to 16 bytes: 43 characters of
 * [A-Za-z0-9_-], which travel unescaped through FFmpeg's 255-byte description buffer and back in a
 * connect query. The server challenge is derived from the nonce, so nothing is kept per challenge
 * until it is answered (single use is the caller's nonce table).
 */

const NONCE_BYTES = 12;
const EXPIRY_BYTES = 4;
const MAC_BYTES = 16;
export const OPAQUE_BYTES = NONCE_BYTES + EXPIRY_BYTES + MAC_BYTES;
/** Random salts and derived challenges: 6 bytes, 8 base64url characters. */
const SHORT_BYTES = 6;
const LABEL = 'tributary/adobe-opaque/v1';

export function md5Base64(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('base64');
}

/** base64(md5(user + salt + password)): the password-equivalent the api stores. */
export function adobeSecret(user: string, salt: string, password: string): string {
  return md5Base64(user + salt + password);
}

/** What a client that knows the password answers to `opaqueOrChallenge` with its own challenge. */
export function adobeResponse(secret: string, opaqueOrChallenge: string, clientChallenge: string): string {
  return md5Base64(secret + opaqueOrChallenge + clientChallenge);
}

export function newSalt(): string {
  return randomBytes(SHORT_BYTES).toString('base64url');
}

export interface IssuedChallenge {
  salt: string;
  challenge: string;
  opaque: string;
  nonce: string;
  expiresAt: number;
}

export type OpaqueCheck =
  | { ok: true; nonce: string; challenge: string; expiresAtMs: number }
  | { ok: false; reason: 'forged' | 'expired' };

/** Issues and checks opaques with one key (every api instance derives the same one). */
export class AdobeChallenges {
  constructor(
    private readonly key: Buffer,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The salt an unknown user is shown: stable for the name, indistinguishable from a real one. */
  decoySalt(user: string): string {
    return this.hmac('decoy-salt', Buffer.from(user, 'utf8')).subarray(0, SHORT_BYTES).toString('base64url');
  }

  issue(user: string, salt: string): IssuedChallenge {
    const nonce = randomBytes(NONCE_BYTES);
    const expiresAt = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const expiry = Buffer.alloc(EXPIRY_BYTES);
    expiry.writeUInt32BE(expiresAt >>> 0);
    const mac = this.opaqueMac(user, salt, nonce, expiry);
    return {
      salt,
      challenge: this.challengeOf(nonce),
      opaque: Buffer.concat([nonce, expiry, mac]).toString('base64url'),
      nonce: nonce.toString('base64url'),
      expiresAt,
    };
  }

  /** Is `opaque` one this key signed for `user` and `salt`, and still alive? */
  check(opaque: string, user: string, salt: string): OpaqueCheck {
    if (!/^[A-Za-z0-9_-]{43}$/.test(opaque)) return { ok: false, reason: 'forged' };
    const raw = Buffer.from(opaque, 'base64url');
    if (raw.length !== OPAQUE_BYTES) return { ok: false, reason: 'forged' };
    const nonce = raw.subarray(0, NONCE_BYTES);
    const expiry = raw.subarray(NONCE_BYTES, NONCE_BYTES + EXPIRY_BYTES);
    const mac = raw.subarray(NONCE_BYTES + EXPIRY_BYTES);
    if (!timingSafeEqual(mac, this.opaqueMac(user, salt, nonce, expiry)))
      return { ok: false, reason: 'forged' };
    const expiresAtMs = expiry.readUInt32BE() * 1000;
    if (this.now() >= expiresAtMs) return { ok: false, reason: 'expired' };
    return { ok: true, nonce: nonce.toString('base64url'), challenge: this.challengeOf(nonce), expiresAtMs };
  }

  private challengeOf(nonce: Buffer): string {
    return this.hmac('challenge', nonce).subarray(0, SHORT_BYTES).toString('base64url');
  }

  private opaqueMac(user: string, salt: string, nonce: Buffer, expiry: Buffer): Buffer {
    const h = createHmac('sha256', this.key);
    for (const part of [LABEL, user, salt]) {
      const bytes = Buffer.from(part, 'utf8');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(bytes.length);
      h.update(len).update(bytes);
    }
    return h.update(nonce).update(expiry).digest().subarray(0, MAC_BYTES);
  }

  private hmac(purpose: string, data: Buffer): Buffer {
    return createHmac('sha256', this.key).update(`${LABEL}/${purpose}\0`).update(data).digest();
  }
}

/** Constant-time comparison of two base64 responses (different lengths are simply unequal). */
export function responsesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
