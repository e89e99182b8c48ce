import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { PlaybackKey, SigningKey } from '@tributary/contracts';
import { CONFIG } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import { currentContext } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { SigningKey as SigningKeyRow } from '../../generated/prisma/client';
import { ControlFeed } from '../control-feed/control-feed.service';
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

function toPlaybackKey(r: { id: string; tenantId: string | null; publicKeyX: string }): PlaybackKey {
  return { kid: r.id, tenantId: r.tenantId, jwk: { kty: 'OKP', crv: 'Ed25519', x: r.publicKeyX } };
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
    @Inject(ControlFeed) private readonly feed: ControlFeed,
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

  /**
   * One page of the keys an edge must accept (the platform key and tenants' unrevoked keys), in kid
   * order (keyset pagination on the primary key): no answer ever holds the whole platform's keys.
   */
  async verificationKeysPage(
    after: string | undefined,
    limit: number,
  ): Promise<{ keys: PlaybackKey[]; next: string | null }> {
    const rows = await this.db.unscoped('edge playback keys').signingKey.findMany({
      where: { revokedAt: null, ...(after === undefined ? {} : { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: limit + 1,
      select: { id: true, tenantId: true, publicKeyX: true },
    });
    const page = rows.slice(0, limit);
    return {
      keys: page.map(toPlaybackKey),
      next: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** One unrevoked key by kid, for an edge that met a token naming a kid it does not know. */
  async verificationKey(kid: string): Promise<PlaybackKey | undefined> {
    const row = await this.db.unscoped('edge playback key').signingKey.findFirst({
      where: { id: kid, revokedAt: null },
      select: { id: true, tenantId: true, publicKeyX: true },
    });
    return row ? toPlaybackKey(row) : undefined;
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
    const row = await withinQuota(this.db, this.config, 'signingKeys', async (tx, tenantId) => {
      const created = await tx.signingKey.create({
        data: {
          id: newId(IdPrefix.signingKey),
          tenantId,
          name,
          publicKeyPem: pair.publicKeyPem,
          publicKeyX: pair.x,
        },
      });
      await this.feed.append(tx, { kind: 'signing_key_created', signingKeyId: created.id, tenantId });
      return created;
    });
    this.feed.committed();
    return { ...toSigningKey(row), privateKeyPem: pair.privateKeyPem };
  }

  /** Revoked and its feed event in one transaction: every edge stops accepting the key's tokens within seconds. */
  async revoke(id: string): Promise<void> {
    const tenantId = currentContext()?.tenantId;
    if (!tenantId) throw new AppError(ErrorCode.internal, 'signing key revocation outside a tenant request');
    // Unscoped (the scoped client runs each operation on its own), so the tenant is named in the filter.
    const count = await this.db
      .unscoped('signing key revocation with its control-feed event')
      .$transaction(async (tx) => {
        const { count } = await tx.signingKey.updateMany({
          where: { id, tenantId, revokedAt: null },
          data: { revokedAt: new Date() },
        });
        if (count > 0)
          await this.feed.append(tx, { kind: 'signing_key_revoked', signingKeyId: id, tenantId });
        return count;
      });
    if (count === 0) await this.get(id);
    else this.feed.committed();
  }
}
