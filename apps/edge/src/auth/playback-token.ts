import {
  PLAYBACK_TOKEN_ALG,
  PLAYBACK_TOKEN_AUDIENCE,
  PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS,
  PLAYBACK_TOKEN_MAX_TTL_SECONDS,
  type PlaybackTokenClaims,
  PlaybackTokenClaimsSchema,
} from '@tributary/contracts';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { PlaybackVerificationKey } from '../control-plane/playback-keys';
import { normalizeIp } from './client-ip';

/** Why a token was refused; each maps to one clear description for the player. */
export type TokenRefusal =
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'ttl_too_long'
  | 'wrong_audience'
  | 'wrong_stream'
  | 'wrong_tenant'
  | 'ip_mismatch'
  | 'invalid_claims';

export const TOKEN_REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  malformed: 'The playback token is not a valid JWT.',
  unknown_key: 'The playback token is signed with an unknown key.',
  bad_signature: 'The playback token signature is invalid.',
  expired: 'The playback token has expired.',
  ttl_too_long: `The playback token expires too far ahead (more than ${PLAYBACK_TOKEN_MAX_TTL_SECONDS} s).`,
  wrong_audience: 'The playback token is not meant for playback.',
  wrong_stream: 'The playback token is for another stream.',
  wrong_tenant: "The playback token's signing key does not belong to this stream's tenant.",
  ip_mismatch: 'The playback token is bound to another client address.',
  invalid_claims: 'The playback token claims are invalid.',
};

export type TokenVerdict =
  | { ok: true; claims: PlaybackTokenClaims; keyTenantId: string | null; kid: string }
  | { ok: false; reason: TokenRefusal };

export interface TokenContext {
  /**
   * The playback id the token must name (`sub`), or the ids any of which it may name: a rendition
   * `<id>_<name>` is played with its stream's token (streams/renditions.ts tokenSubjectsFor).
   */
  playbackId: string | readonly string[];
  /**
   * The stream's tenant, or null while the stream is not live on this edge (a viewer waiting for
   * the publisher): the caller then checks keyTenantId with keyServesTenant once the tenant is known.
   */
  tenantId: string | null;
  clientIp: string;
}

/** Platform keys (tenantId null) serve every tenant; a tenant's own key serves only that tenant. */
export function keyServesTenant(keyTenantId: string | null, tenantId: string): boolean {
  return keyTenantId === null || keyTenantId === tenantId;
}

export type KeyResolver = (kid: string) => Promise<PlaybackVerificationKey | undefined>;

/**
 * A compact Ed25519 JWT with the claims of contracts/playback-token.ts is a few hundred bytes; 4 KiB
 * is generous, and refusing longer strings keeps base64/JSON work per attempt bounded.
 */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Verifies a playback token offline (no api call): EdDSA signature with the key its `kid` names,
 * `aud`, `exp` with the contract's clock skew, the contract's maximum TTL, `sub` equal to the
 * playback id being played, the key's tenant equal to the stream's tenant (platform keys excepted),
 * and the optional client-IP binding (docs/reliability.md: playback-tokens).
 */
export async function verifyPlaybackToken(
  token: string,
  ctx: TokenContext,
  resolveKey: KeyResolver,
  now: Date = new Date(),
): Promise<TokenVerdict> {
  const found = await tokenKey(token, resolveKey);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const { kid, key } = found;

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [PLAYBACK_TOKEN_ALG],
      audience: PLAYBACK_TOKEN_AUDIENCE,
      ...(typeof ctx.playbackId === 'string' ? { subject: ctx.playbackId } : {}),
      requiredClaims: ['exp'],
      clockTolerance: PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS,
      currentDate: now,
    }));
  } catch (err) {
    return { ok: false, reason: joseRefusal(err) };
  }

  const claims = PlaybackTokenClaimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: 'invalid_claims' };
  if (typeof ctx.playbackId !== 'string' && !ctx.playbackId.includes(claims.data.sub))
    return { ok: false, reason: 'wrong_stream' };
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (claims.data.exp - nowSeconds > PLAYBACK_TOKEN_MAX_TTL_SECONDS + PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: 'ttl_too_long' };
  }
  if (ctx.tenantId !== null && !keyServesTenant(key.tenantId, ctx.tenantId)) {
    return { ok: false, reason: 'wrong_tenant' };
  }
  if (claims.data.ip !== undefined && normalizeIp(claims.data.ip) !== normalizeIp(ctx.clientIp)) {
    return { ok: false, reason: 'ip_mismatch' };
  }
  return { ok: true, claims: claims.data, keyTenantId: key.tenantId, kid };
}

/**
 * The verification key a JWT we issue names (its header's `kid`), before any signature work: a token
 * past MAX_TOKEN_LENGTH or without a readable header is malformed, one naming no known key is refused.
 */
export async function tokenKey(
  token: string,
  resolveKey: KeyResolver,
): Promise<{ kid: string; key: PlaybackVerificationKey } | { reason: 'malformed' | 'unknown_key' }> {
  if (token.length > MAX_TOKEN_LENGTH) return { reason: 'malformed' };
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { reason: 'malformed' };
  }
  if (!kid) return { reason: 'unknown_key' };
  const key = await resolveKey(kid);
  return key ? { kid, key } : { reason: 'unknown_key' };
}

/** What a jose verification error means for a JWT we issue (playback and relay tokens alike). */
export type JoseRefusal =
  | 'expired'
  | 'bad_signature'
  | 'wrong_audience'
  | 'wrong_stream'
  | 'invalid_claims'
  | 'malformed';

export function joseRefusal(err: unknown): JoseRefusal {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'bad_signature';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'aud') return 'wrong_audience';
      if (e.claim === 'sub') return 'wrong_stream';
      return 'invalid_claims';
    default:
      return 'malformed';
  }
}
