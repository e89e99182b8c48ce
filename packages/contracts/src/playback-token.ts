import { z } from 'zod';

/**
 * Playback tokens are JWTs signed with Ed25519 (JWS alg "EdDSA"). The header's
 * `kid` names the signing key: a platform key (minted by POST /v1/playback-tokens)
 * or a tenant's own signing key (tokens signed in the tenant's backend). Edges
 * verify them offline with the public keys from GET /v1/edge/playback-keys.
 */
export const PLAYBACK_TOKEN_AUDIENCE = 'tributary:playback';
export const PLAYBACK_TOKEN_ALG = 'EdDSA';
/** Tokens whose exp lies further ahead than this are refused (docs/reliability.md: playback-tokens). */
export const PLAYBACK_TOKEN_MAX_TTL_SECONDS = 24 * 3600;
/** Allowed clock skew between api, tenant backends and edges. */
export const PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS = 30;

export const PlaybackTokenClaimsSchema = z.object({
  /** The playback id the token opens. */
  sub: z.string(),
  aud: z.union([z.literal(PLAYBACK_TOKEN_AUDIENCE), z.array(z.string())]),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  /** Optional client IP binding: the viewer's address must equal it. */
  ip: z.string().optional(),
  /** Token id (for logs and single-use policies). */
  jti: z.string().optional(),
});
export type PlaybackTokenClaims = z.infer<typeof PlaybackTokenClaimsSchema>;
