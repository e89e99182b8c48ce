import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey, CreateApiKeyInputSchema } from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { API_KEY_VISIBLE_CHARS, CredentialPrefix } from '../../common/auth/credentials';
import { newSecret, sha256Hex } from '../../common/crypto/tokens';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { ApiKey as ApiKeyRow } from '../../generated/prisma/client';
import { withinQuota } from '../tenants/quotas';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.filter((s): s is 'read' | 'write' => s === 'read' || s === 'write'),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async list(q: ListQuery) {
    return toPage(await this.db.tenant().apiKey.findMany(pageArgs(q)), q, toApiKey);
  }

  /** The key is returned once; the api keeps its sha256 and a short visible prefix. */
  async create(input: z.infer<typeof CreateApiKeyInputSchema>): Promise<ApiKey & { key: string }> {
    const key = newSecret(CredentialPrefix.apiKey);
    const row = await withinQuota(this.db, this.config, 'apiKeys', (tx, tenantId) =>
      tx.apiKey.create({
        data: {
          id: newId(IdPrefix.apiKey),
          tenantId,
          name: input.name,
          scopes: [...new Set(input.scopes)],
          prefix: key.slice(0, API_KEY_VISIBLE_CHARS),
          keyHash: sha256Hex(key),
        },
      }),
    );
    return { ...toApiKey(row), key };
  }

  async revoke(id: string): Promise<void> {
    const { count } = await this.db
      .tenant()
      .apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 0 && !(await this.db.tenant().apiKey.findFirst({ where: { id } })))
      throw AppError.notFound('API key');
  }
}
