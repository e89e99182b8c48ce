import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  assetPlaybackUrls,
  type CreatePlaybackTokenInputSchema,
  PLAYBACK_TOKEN_ALG,
  PLAYBACK_TOKEN_AUDIENCE,
  type PlaybackToken,
  playbackUrls,
} from '@tributary/contracts';
import { SignJWT } from 'jose';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { AppError } from '../../common/errors';
import { RateLimiter } from '../../common/rate-limiter';
import { currentContext } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import { EdgesService } from '../edges/edges.service';
import { PlaybackKeys } from './playback-keys.service';

/** Mints playback tokens (contracts/playback-token.ts claims) with the platform key. */
@Injectable()
export class PlaybackTokensService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(PlaybackKeys) private readonly keys: PlaybackKeys,
    @Inject(EdgesService) private readonly edges: EdgesService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async mint(
    input: z.infer<typeof CreatePlaybackTokenInputSchema>,
    now = Date.now(),
  ): Promise<PlaybackToken> {
    await this.rateLimiter.hit(
      `token-mint:${currentContext()?.tenantId}`,
      this.config.TOKEN_MINT_RATE_LIMIT_PER_MINUTE,
    );
    // Scoped: another tenant's playback id is not found. A playback id names a live stream or an
    // on-demand asset (issue 12); the token is the same for both.
    const stream =
      (await this.db.tenant().liveStream.findFirst({ where: { playbackId: input.playbackId } })) ??
      (await this.db.tenant().asset.findFirst({ where: { playbackId: input.playbackId } }));
    if (!stream) throw AppError.notFound('playback id');
    const isAsset = !('streamKeyHmac' in stream);
    const { kid, key } = this.keys.platformKey();
    const iat = Math.floor(now / 1000);
    const exp = iat + input.ttlSeconds;
    const token = await new SignJWT({ ...(input.clientIp ? { ip: input.clientIp } : {}) })
      .setProtectedHeader({ alg: PLAYBACK_TOKEN_ALG, kid, typ: 'JWT' })
      .setSubject(stream.playbackId)
      .setAudience(PLAYBACK_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key);
    const at = await this.edges.publicEndpoints();
    return {
      token,
      playbackId: stream.playbackId,
      expiresAt: new Date(exp * 1000).toISOString(),
      playback: isAsset
        ? vodPlaybackUrls(at, stream.playbackId, token)
        : playbackUrls(at.rtmp, at.http, stream.playbackId, token),
    };
  }
}

/**
 * A token's URLs for an asset: RTMP and HLS on demand (no HTTP-FLV or SMIL for files).
 */
function vodPlaybackUrls(
  at: { rtmp: string; http: string },
  playbackId: string,
  token: string,
): PlaybackToken['playback'] {
  const urls = assetPlaybackUrls(at.rtmp, at.http, playbackId, token);
  return { rtmp: urls.rtmp, hls: urls.hls, flv: null, smil: null, thumbnail: urls.poster };
}
