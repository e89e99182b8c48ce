import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { digestsEqual } from './tokens';

/** AES-256-GCM: 96-bit nonce (NIST SP 800-38D §8.2 recommends 96 bits), 128-bit tag. */
const NONCE_BYTES = 12;
const FORMAT = 'v1';

/**
 * Encryption at rest for secrets the product must be able to show again
 * (stream keys, the platform signing key), and an HMAC for looking them up
 * without storing them in plaintext. Separate subkeys are derived from
 * SECRETS_KEY with HKDF (RFC 5869), so the lookup MAC never reuses the cipher key.
 */
export class SecretBox {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes');
    this.encKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tributary/encrypt', 32));
    this.macKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tributary/lookup-mac', 32));
  }

  /** A 32-byte key of its own for one purpose (HKDF info `tributary/<purpose>`), the same on every instance. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.alloc(0), `tributary/${purpose}`, 32));
  }

  /** "v1.<nonce>.<tag>.<ciphertext>" in base64url; `context` is bound as AAD (a row cannot borrow another's ciphertext). */
  encrypt(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, nonce);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, nonce, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [format, nonce, tag, ct] = sealed.split('.');
    if (format !== FORMAT || !nonce || !tag || ct === undefined)
      throw new Error('unrecognised sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Deterministic lookup digest (hex HMAC-SHA256). */
  mac(value: string): string {
    return createHmac('sha256', this.macKey).update(value).digest('hex');
  }

  macMatches(value: string, digest: string): boolean {
    return digestsEqual(this.mac(value), digest);
  }
}
