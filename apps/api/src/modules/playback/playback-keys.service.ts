import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { PlaybackKey, SigningKey } from '@tributary/contracts';
import { CONFIG } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { SigningKey as SigningKeyRow } from '../../generated/prisma/client';
import { withinQuota } from '../tenants/quotas';

/** The one platform key lives in this slot (unique), so concurrent first starts create it once. */
const PLATFORM_SLOT = 1;

interface Ed25519Pair {
  publicKeyPem: string;
  privateKeyPem: string;
  /** RFC 8037 §2: the raw public key, base64url, as the JWK's "x". */
  x: string;
}

function generateEd25519(): Ed25519Pair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('Ed25519 public key without x');
  return {
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    x: jwk.x,
  };
}

export function toSigningKey(row: SigningKeyRow): SigningKey {
  return {
    id: row.id,
    name: row.name,
    publicKeyPem: row.publicKeyPem,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Ed25519 keys that sign playback tokens: the platform key (minted tokens) and
 * tenants' own keys (tokens signed in their backends). Edges fetch the public
 * halves; a tenant's private key is returned once and never stored.
 */
@Injectable()
export class PlaybackKeys {
  private platform?: { kid: string; key: KeyObject };

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async ensurePlatformKey(): Promise<void> {
    const keys = this.db.unscoped('platform signing key').signingKey;
    const existing = await keys.findUnique({ where: { platformSlot: PLATFORM_SLOT } });
    if (!existing) {
      const id = newId(IdPrefix.signingKey);
      const pair = generateEd25519();
      await keys.createMany({
        data: [
          {
            id,
            name: 'platform',
            publicKeyPem: pair.publicKeyPem,
            publicKeyX: pair.x,
            privateKeyEncrypted: this.secrets.encrypt(pair.privateKeyPem, id),
            platformSlot: PLATFORM_SLOT,
          },
        ],
        skipDuplicates: true,
      });
    }
    const row = await keys.findUniqueOrThrow({ where: { platformSlot: PLATFORM_SLOT } });
    if (!row.privateKeyEncrypted) throw new Error('platform signing key has no private half');
    this.platform = {
      kid: row.id,
      key: createPrivateKey(this.secrets.decrypt(row.privateKeyEncrypted, row.id)),
    };
  }

  platformKey(): { kid: string; key: KeyObject } {
    if (!this.platform) throw new Error('platform signing key not loaded');
    return this.platform;
  }

  /** Every key an edge must accept: the platform key and all tenants' unrevoked keys. */
  async verificationKeys(): Promise<PlaybackKey[]> {
    const rows = await this.db.unscoped('edge playback keys').signingKey.findMany({
      where: { revokedAt: null },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => ({
      kid: r.id,
      tenantId: r.tenantId,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: r.publicKeyX },
    }));
  }

  async list(q: ListQuery) {
    const rows = await this.db.tenant().signingKey.findMany({ ...pageArgs(q) });
    return toPage(rows, q, toSigningKey);
  }

  async get(id: string): Promise<SigningKey> {
    const row = await this.db.tenant().signingKey.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('signing key');
    return toSigningKey(row);
  }

  async create(name: string): Promise<SigningKey & { privateKeyPem: string }> {
    const pair = generateEd25519();
    const row = await withinQuota(this.db, this.config, 'signingKeys', (tx, tenantId) =>
      tx.signingKey.create({
        data: {
          id: newId(IdPrefix.signingKey),
          tenantId,
          name,
          publicKeyPem: pair.publicKeyPem,
          publicKeyX: pair.x,
        },
      }),
    );
    return { ...toSigningKey(row), privateKeyPem: pair.privateKeyPem };
  }

  async revoke(id: string): Promise<void> {
    const { count } = await this.db
      .tenant()
      .signingKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 0) await this.get(id);
  }
}
