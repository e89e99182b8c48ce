import {
  PLAYBACK_TOKEN_ALG,
  PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS,
  RELAY_TOKEN_AUDIENCE,
  RELAY_TOKEN_PARAM,
  RELAY_TOKEN_TTL_SECONDS,
  type RelayTokenClaims,
  RelayTokenClaimsSchema,
} from '@tributary/contracts';
import { jwtVerify } from 'jose';
import { joseRefusal, type KeyResolver, tokenKey } from '../auth/playback-token';

/**
 * Relay tokens (contracts/edge-api.ts): the api gives one to an edge that pulls a stream from another
 * edge; the upstream edge checks it offline, like a playback token, but against the relay audience and
 * only with a platform key (tenantId null). A viewer's playback token is never a relay token (its
 * audience differs), and a relay token is never a viewer's (the playback check wants the playback audience).
 */
export type RelayRefusal =
  | 'malformed'
  | 'unknown_key'
  | 'not_platform_key'
  | 'bad_signature'
  | 'expired'
  | 'ttl_too_long'
  | 'wrong_audience'
  | 'wrong_stream'
  | 'invalid_claims';

export type RelayVerdict =
  | { ok: true; claims: RelayTokenClaims; kid: string }
  | { ok: false; reason: RelayRefusal };

export const RELAY_REFUSAL_MESSAGES: Record<RelayRefusal, string> = {
  malformed: 'The relay token is not a valid JWT.',
  unknown_key: 'The relay token is signed with an unknown key.',
  not_platform_key: 'The relay token is not signed with a platform key.',
  bad_signature: 'The relay token signature is invalid.',
  expired: 'The relay token has expired.',
  ttl_too_long: 'The relay token expires too far ahead.',
  wrong_audience: 'The relay token is not meant for relaying.',
  wrong_stream: 'The relay token is for another stream.',
  invalid_claims: 'The relay token claims are invalid.',
};

/**
 * Verifies a relay token: EdDSA with the key its kid names, that key a platform key, audience relay,
 * `exp` (with the playback tokens' clock skew) no further ahead than the contract's TTL, and, when
 * `playbackId` is given, `sub` equal to it (at connect time the stream is not named yet).
 */
export async function verifyRelayToken(
  token: string,
  playbackId: string | undefined,
  resolveKey: KeyResolver,
  now: Date = new Date(),
): Promise<RelayVerdict> {
  const found = await tokenKey(token, resolveKey);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const { kid, key } = found;
  if (key.tenantId !== null) return { ok: false, reason: 'not_platform_key' };
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [PLAYBACK_TOKEN_ALG],
      audience: RELAY_TOKEN_AUDIENCE,
      ...(playbackId === undefined ? {} : { subject: playbackId }),
      requiredClaims: ['exp'],
      clockTolerance: PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS,
      currentDate: now,
    }));
  } catch (err) {
    return { ok: false, reason: joseRefusal(err) };
  }
  const claims = RelayTokenClaimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: 'invalid_claims' };
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (claims.data.exp - nowSeconds > RELAY_TOKEN_TTL_SECONDS + PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS)
    return { ok: false, reason: 'ttl_too_long' };
  return { ok: true, claims: claims.data, kid };
}

/** The relay token a request carries, if any: the play name's `relay` parameter, else the connect URL's. */
export function relayTokenOf(
  playQuery: URLSearchParams,
  connectQuery: URLSearchParams | undefined,
): string | undefined {
  return playQuery.get(RELAY_TOKEN_PARAM) ?? connectQuery?.get(RELAY_TOKEN_PARAM) ?? undefined;
}

/**
 * For connect-time policy (load balancing): is this connection another edge's pull? 'none' without a
 * relay parameter in the connect query, 'valid' when its token verifies (signature, platform key,
 * audience, expiry; the stream is checked again at play), 'invalid' otherwise. A relay connection must
 * never be redirected for capacity: a pull is one connection that serves many viewers.
 */
export async function relayConnect(
  query: URLSearchParams,
  resolveKey: KeyResolver,
): Promise<'none' | 'valid' | 'invalid'> {
  const token = query.get(RELAY_TOKEN_PARAM);
  if (token === null) return 'none';
  return (await verifyRelayToken(token, undefined, resolveKey)).ok ? 'valid' : 'invalid';
}
