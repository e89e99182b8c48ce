import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  PUBLISH_USERNAME,
  type PublishAuthChallengeRequest,
  type PublishAuthChallengeResponse,
  type PublishAuthVerifyRequest,
  type PublishAuthVerifyResponse,
  type PublishCredential,
  type PublishCredentialInput,
} from '@tributary/contracts';
import { CONFIG } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppError, ErrorCode } from '../../common/errors';
import { IdPrefix, newId } from '../../common/ids';
import { WINDOW_MS } from '../../common/rate-counter';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { PublishCredential as CredentialRow, Prisma } from '../../generated/prisma/client';
import { ControlFeed } from '../control-feed/control-feed.service';
import { AdobeChallenges, adobeResponse, adobeSecret, newSalt, responsesEqual } from './adobe-challenge';

/** Expired nonces are purged at most this often per instance (and in bounded batches). */
const NONCE_PURGE_INTERVAL_MS = 30_000;
const NONCE_PURGE_BATCH = 1_000;

/**
 * Publish credentials (authmod=adobe): the tenant's side (set, show, remove one per live stream) and
 * the edge's side (issue a challenge, verify its answer once). Setting or removing one writes a
 * control-feed event, so every edge drops cached publish answers for the stream and cuts a publisher
 * that got in under the old rule.
 */
@Injectable()
export class PublishAuthService {
  private readonly challenges: AdobeChallenges;
  private lastPurge = 0;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SecretBox) secrets: SecretBox,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(ControlFeed) private readonly feed: ControlFeed,
  ) {
    this.challenges = new AdobeChallenges(
      secrets.derive('publish-auth-opaque'),
      config.PUBLISH_AUTH_CHALLENGE_TTL_SECONDS,
    );
  }

  // ---- the tenant's side ----

  private present(row: CredentialRow): PublishCredential {
    return {
      username: row.username,
      authmod: 'adobe',
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  private async stream(liveStreamId: string): Promise<{ id: string; tenantId: string }> {
    const row = await this.db.tenant().liveStream.findFirst({ where: { id: liveStreamId } });
    if (!row) throw AppError.notFound('live stream');
    return { id: row.id, tenantId: row.tenantId };
  }

  async get(liveStreamId: string): Promise<PublishCredential> {
    await this.stream(liveStreamId);
    const row = await this.db.tenant().publishCredential.findFirst({ where: { liveStreamId } });
    if (!row) throw AppError.notFound('publish credential');
    return this.present(row);
  }

  /** Sets (or replaces) the stream's credential; a username another stream holds is a 409. */
  async set(liveStreamId: string, input: PublishCredentialInput): Promise<PublishCredential> {
    const stream = await this.stream(liveStreamId);
    const salt = newSalt();
    const secret = adobeSecret(input.username, salt, input.password);
    try {
      const row = await this.withFeed(stream, (tx) =>
        tx.publishCredential.upsert({
          where: { liveStreamId: stream.id },
          create: {
            id: newId(IdPrefix.publishCredential),
            tenantId: stream.tenantId,
            liveStreamId: stream.id,
            username: input.username,
            salt,
            secret,
          },
          update: { username: input.username, salt, secret },
        }),
      );
      return this.present(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002')
        throw new AppError(ErrorCode.conflict, 'this username is taken; publish usernames are unique');
      throw err;
    }
  }

  async remove(liveStreamId: string): Promise<void> {
    const stream = await this.stream(liveStreamId);
    // Nothing to remove rolls the transaction (and its event) back.
    await this.withFeed(stream, async (tx) => {
      const { count } = await tx.publishCredential.deleteMany({
        where: { liveStreamId: stream.id, tenantId: stream.tenantId },
      });
      if (count === 0) throw AppError.notFound('publish credential');
    });
  }

  /**
   * The change and its control-feed event in one transaction (unscoped, as the live streams' own
   * changes: the stream was found through the tenant-scoped client first and its tenantId is in
   * every statement).
   */
  private async withFeed<T>(
    stream: { id: string; tenantId: string },
    work: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    const result = await this.db
      .unscoped('publish credential with its control-feed event')
      .$transaction(async (tx) => {
        const value = await work(tx);
        await this.feed.append(tx, {
          kind: 'publish_credentials_changed',
          liveStreamId: stream.id,
          tenantId: stream.tenantId,
        });
        return value;
      });
    this.feed.committed();
    return result;
  }

  // ---- the edge's side ----

  private get edge() {
    return this.db.unscoped('publish auth (edge contract)');
  }

  private async byUsername(user: string): Promise<CredentialRow | null> {
    if (!PUBLISH_USERNAME.test(user)) return null;
    return this.edge.publishCredential.findUnique({ where: { username: user } });
  }

  /** A challenge for `user`; an unknown user gets one of the same shape whose answer never verifies. */
  async challenge(req: PublishAuthChallengeRequest): Promise<PublishAuthChallengeResponse> {
    const row = await this.byUsername(req.user);
    const { salt, challenge, opaque } = this.challenges.issue(
      req.user,
      row?.salt ?? this.challenges.decoySalt(req.user),
    );
    return { salt, challenge, opaque };
  }

  /**
   * Checks, in order: the opaque's signature (for this user and the salt they were given), its expiry,
   * that it was not answered before (its nonce is recorded now, so this challenge gets exactly one
   * answer on any edge through any api instance), the username's failure budget (counted before the
   * response is checked, as logins are, so concurrent guesses cannot all slip under it; a success
   * takes its count back), and the response.
   */
  async verify(req: PublishAuthVerifyRequest): Promise<PublishAuthVerifyResponse> {
    const row = await this.byUsername(req.user);
    const salt = row?.salt ?? this.challenges.decoySalt(req.user);
    const opaque = this.challenges.check(req.opaque, req.user, salt);
    if (!opaque.ok) return { ok: false, reason: opaque.reason };
    const fresh = await this.edge.$executeRaw`
      INSERT INTO "publish_auth_nonces" ("nonce", "expiresAt")
      VALUES (${opaque.nonce}, ${new Date(opaque.expiresAtMs)})
      ON CONFLICT ("nonce") DO NOTHING`;
    void this.purgeExpired();
    if (fresh === 0) return { ok: false, reason: 'replayed' };
    if (!row) return { ok: false, reason: 'unknown_user' };
    const budget = await this.countAttempt(row.username);
    if (!budget.within) return { ok: false, reason: 'throttled' };
    const matches = [req.opaque, opaque.challenge].some((given) =>
      responsesEqual(adobeResponse(row.secret, given, req.clientChallenge), req.response),
    );
    if (!matches) return { ok: false, reason: 'wrong_response' };
    await budget.giveBack();
    return { ok: true, liveStreamId: row.liveStreamId, tenantId: row.tenantId };
  }

  /** One attempt on the username's per-minute budget (rate_limit_windows, shared by every instance). */
  private async countAttempt(user: string): Promise<{ within: boolean; giveBack: () => Promise<void> }> {
    const bucket = `publish-auth-user:${createHash('sha256').update(user).digest('hex')}`;
    const now = Date.now();
    const windowStart = new Date(now - (now % WINDOW_MS));
    const counted = await this.edge.$queryRaw<{ count: number }[]>`
      INSERT INTO "rate_limit_windows" ("bucket", "windowStart", "count") VALUES (${bucket}, ${windowStart}, 1)
      ON CONFLICT ("bucket", "windowStart") DO UPDATE SET "count" = "rate_limit_windows"."count" + 1
      RETURNING "count"`;
    return {
      within: Number(counted[0]?.count ?? 0) <= this.config.PUBLISH_AUTH_FAILURES_PER_MINUTE,
      giveBack: async () => {
        await this.edge.$executeRaw`
          UPDATE "rate_limit_windows" SET "count" = GREATEST("count" - 1, 0)
          WHERE "bucket" = ${bucket} AND "windowStart" = ${windowStart}`;
      },
    };
  }

  private async purgeExpired(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < NONCE_PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    try {
      await this.edge.$executeRaw`
        DELETE FROM "publish_auth_nonces" WHERE "nonce" IN (
          SELECT "nonce" FROM "publish_auth_nonces" WHERE "expiresAt" < ${new Date(now)} LIMIT ${NONCE_PURGE_BATCH})`;
    } catch {
      // The next answered challenge tries again; an expired nonce left behind refuses nothing valid.
    }
  }
}
