import { z } from 'zod';

/**
 * Publish credentials (FMLE authentication, `authmod=adobe`): a live stream may require a username and
 * password at publish, for encoders that speak Adobe's challenge (Flash Media Live Encoder, hardware
 * encoders, FFmpeg and OBS with `rtmp://user:pass@host/app/key`).
 *
 * Usernames are unique across the platform: the connect that carries `user=<name>` names no tenant or
 * stream (the stream key comes later, with publish), so the username alone finds the credential. The
 * exchange (edge ↔ encoder, the edge asking the api):
 *
 *  1. connect `app=<app>` → `_error` `[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : `
 *  2. connect `app=<app>?authmod=adobe&user=<u>` → the edge asks POST publishAuthChallenge and answers
 *     `_error` `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=<u>&salt=<s>&challenge=<c>&opaque=<o>`
 *  3. connect `app=<app>?authmod=adobe&user=<u>&challenge=<cc>&response=<r>&opaque=<o>` → POST
 *     publishAuthVerify; accepted, or `_error` `... ?reason=authfailed`.
 *
 * response = base64(md5(base64(md5(user + salt + password)) + opaque + cc)) (the server challenge in
 * place of the opaque for a client that ignores it). The opaque is the api's signed, short-lived,
 * single-use token: any edge (and any api instance) verifies it, so the three connects may land on
 * different edges. The stored secret is base64(md5(user + salt + password)): password-equivalent for
 * this scheme, as for every authmod=adobe server; it is never returned.
 */

/** Letters, digits, `_`, `.` and `-`: they travel unescaped in RTMP connect queries. */
export const PUBLISH_USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
/**
 * URL-safe in `rtmp://user:pass@host` (FFmpeg neither escapes nor unescapes it; it keeps at most 49
 * characters) and in an encoder's password field.
 */
export const PUBLISH_PASSWORD = /^[A-Za-z0-9_.~!*+,;=-]{8,48}$/;

export const PublishCredentialInputSchema = z.strictObject({
  username: z
    .string()
    .regex(PUBLISH_USERNAME, 'must match [A-Za-z0-9_.-]{3,32} (unique across the platform)'),
  password: z.string().regex(PUBLISH_PASSWORD, 'must be 8-48 of A-Z a-z 0-9 _ . ~ ! * + , ; = -'),
});
export type PublishCredentialInput = z.infer<typeof PublishCredentialInputSchema>;

/** What the api shows of a stream's publish credential: never the password or its hash. */
export const PublishCredentialSchema = z.object({
  username: z.string(),
  authmod: z.literal('adobe'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PublishCredential = z.infer<typeof PublishCredentialSchema>;

/** How long an issued challenge (its opaque) may be answered, unless the api is configured otherwise. */
export const PUBLISH_AUTH_CHALLENGE_TTL_SECONDS = 60;

/** Bounds on what an edge forwards from a connect query (the api checks the shapes it expects). */
const wire = z.string().max(128);

export const PublishAuthChallengeRequestSchema = z.object({
  user: wire,
  app: z.string().max(64),
  clientIp: z.string().max(64),
});
export type PublishAuthChallengeRequest = z.infer<typeof PublishAuthChallengeRequestSchema>;
/**
 * An unknown user gets a challenge of the same shape (its salt derived from the name), so the answer
 * does not tell which usernames exist; its response then fails.
 */
export const PublishAuthChallengeResponseSchema = z.object({
  salt: z.string().max(64),
  challenge: z.string().max(64),
  opaque: z.string().max(128),
});
export type PublishAuthChallengeResponse = z.infer<typeof PublishAuthChallengeResponseSchema>;

export const PublishAuthVerifyRequestSchema = z.object({
  user: wire,
  opaque: wire,
  /** The encoder's own challenge (`challenge=` of the third connect). */
  clientChallenge: wire,
  response: wire,
  app: z.string().max(64),
  clientIp: z.string().max(64),
});
export type PublishAuthVerifyRequest = z.infer<typeof PublishAuthVerifyRequestSchema>;

export const PublishAuthFailureSchema = z.enum([
  /** The opaque is not one the api signed for this user (tampered, another user's, garbage). */
  'forged',
  /** Signed, but past its life. */
  'expired',
  /** Signed and alive, but already answered once (on any edge). */
  'replayed',
  /** No credential has this username. */
  'unknown_user',
  /** The response is not what the password gives. */
  'wrong_response',
  /** Too many wrong answers for this username this minute, from anywhere: refused even if right. */
  'throttled',
]);
export type PublishAuthFailure = z.infer<typeof PublishAuthFailureSchema>;

export const PublishAuthVerifyResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** The credential's stream: the only one this connection may publish. */
    liveStreamId: z.string(),
    tenantId: z.string(),
  }),
  z.object({ ok: z.literal(false), reason: PublishAuthFailureSchema }),
]);
export type PublishAuthVerifyResponse = z.infer<typeof PublishAuthVerifyResponseSchema>;
