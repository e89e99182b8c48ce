import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import { digestsEqual, sha256Hex } from '../crypto/tokens';
import { AppError, ErrorCode } from '../errors';
import type { Principal } from '../request-context';
import { TtlCache } from '../ttl-cache';
import { CredentialPrefix } from './credentials';

/** lastUsedAt is refreshed at most this often per key, so reads do not each cost a write. */
const LAST_USED_GRANULARITY_MS = 60_000;
/**
 * A verified edge credential is trusted this long without a database read: every
 * publish authorisation starts with it. A deregistration through this instance
 * evicts at once; through another instance it takes effect here within this
 * time, well inside the 30 s the edge contract already allows a revocation.
 */
export const EDGE_CREDENTIAL_CACHE_MS = 5_000;
/** Far above any fleet's edge count; only verified credentials are cached, so strangers cannot fill it. */
const EDGE_CREDENTIAL_CACHE_ENTRIES = 1_024;

interface VerifiedEdge {
  edgeId: string;
  credentialHash: string;
}

const unauthenticated = (message: string) => new AppError(ErrorCode.unauthenticated, message);

/**
 * Turns a credential into a Principal. Secrets are looked up by their sha256
 * and the stored digest is compared again in constant time (docs/reliability.md: secrets-at-rest).
 * Every failure is the same 401 whatever the reason (unknown, revoked, expired).
 */
@Injectable()
export class Authenticator {
  private readonly edges = new TtlCache<string, VerifiedEdge>(
    EDGE_CREDENTIAL_CACHE_MS,
    EDGE_CREDENTIAL_CACHE_ENTRIES,
  );

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async apiKey(token: string, now = new Date()): Promise<Extract<Principal, { kind: 'apiKey' }>> {
    if (!token.startsWith(`${CredentialPrefix.apiKey}_`)) throw unauthenticated('invalid API key');
    const digest = sha256Hex(token);
    const db = this.db.unscoped('API key authentication');
    const key = await db.apiKey.findUnique({
      where: { keyHash: digest },
      include: { tenant: { select: { status: true } } },
    });
    if (!key || !digestsEqual(key.keyHash, digest) || key.revokedAt)
      throw unauthenticated('invalid or revoked API key');
    // A valid key of a suspended tenant is known, so 403 says why (unlike the uniform 401 above).
    if (key.tenant.status === 'suspended')
      throw new AppError(ErrorCode.forbidden, 'the account is suspended; its API keys do not work');
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    const scopes = new Set(key.scopes.filter((s): s is 'read' | 'write' => s === 'read' || s === 'write'));
    return { kind: 'apiKey', apiKeyId: key.id, tenantId: key.tenantId, scopes };
  }

  async session(token: string, now = new Date()): Promise<Extract<Principal, { kind: 'user' }>> {
    const digest = sha256Hex(token);
    const session = await this.db
      .unscoped('session authentication')
      .userSession.findUnique({ where: { tokenHash: digest }, include: { user: true } });
    if (!session || !digestsEqual(session.tokenHash, digest) || session.expiresAt <= now) {
      throw unauthenticated('not signed in or session expired');
    }
    return {
      kind: 'user',
      userId: session.userId,
      isOperator: session.user.isOperator,
      sessionId: session.id,
    };
  }

  async edge(token: string): Promise<Extract<Principal, { kind: 'edge' }>> {
    if (!token.startsWith(`${CredentialPrefix.edge}_`)) throw unauthenticated('invalid edge credential');
    const digest = sha256Hex(token);
    let edge = this.edges.get(digest);
    if (!edge) {
      // Only a verified credential is cached, and only when read: the entry expires however often it is used.
      edge = await this.lookUpEdge(digest);
      if (edge) this.edges.set(digest, edge);
    }
    if (!edge || !digestsEqual(edge.credentialHash, digest)) throw unauthenticated('invalid edge credential');
    return { kind: 'edge', edgeId: edge.edgeId };
  }

  /** Called when an edge is deregistered through this instance: its credential stops working here at once. */
  forgetEdge(edgeId: string): void {
    this.edges.deleteWhere((e) => e.edgeId === edgeId);
  }

  private async lookUpEdge(digest: string): Promise<VerifiedEdge | undefined> {
    const row = await this.db.unscoped('edge authentication').edge.findUnique({
      where: { credentialHash: digest },
      select: { id: true, credentialHash: true, deletedAt: true },
    });
    return row && !row.deletedAt ? { edgeId: row.id, credentialHash: row.credentialHash } : undefined;
  }

  /**
   * The tenant a signed-in user acts in: the X-Tenant-Id header, or their only
   * membership. A tenant they do not belong to is "not found" (no oracle).
   */
  async userTenant(
    principal: Extract<Principal, { kind: 'user' }>,
    header: string | undefined,
    need: 'read' | 'write',
  ): Promise<string> {
    const db = this.db.unscoped('tenant membership');
    if (principal.isOperator) {
      if (!header)
        throw new AppError(ErrorCode.badRequest, 'operators name the tenant in the X-Tenant-Id header');
      const tenant = await db.tenant.findUnique({ where: { id: header } });
      if (!tenant) throw AppError.notFound('tenant');
      return tenant.id;
    }
    const memberships = await db.membership.findMany({ where: { userId: principal.userId } });
    const membership = header
      ? memberships.find((m) => m.tenantId === header)
      : memberships.length === 1
        ? memberships[0]
        : undefined;
    if (!membership) {
      if (header || memberships.length === 0) throw AppError.notFound('tenant');
      throw new AppError(
        ErrorCode.badRequest,
        'member of several tenants: name one in the X-Tenant-Id header',
      );
    }
    if (need === 'write' && membership.role === 'member') {
      throw new AppError(ErrorCode.forbidden, 'the member role is read-only; ask an owner or admin');
    }
    return membership.tenantId;
  }

  get rateLimitPerMinute(): number {
    return this.config.RATE_LIMIT_PER_MINUTE;
  }
}
