/**
 * FMLE publish authentication (`authmod=adobe`) on the wire, without I/O: what a connect's query asks
 * for, and the `_error` descriptions FMLE, FFmpeg (libavformat/rtmpproto.c handle_connect_error) and
 * librtmp act on. The exchange itself (contracts publish-auth.ts) is run by AdobeAuthenticator.
 *
 * The query is read from the raw tcUrl (else app) string, not through URLSearchParams: the response is
 * standard base64, whose `+` a form decoder would turn into a space, and encoders append `?authmod=…`
 * to an app that may already carry a query (`live?authmod=adobe?authmod=adobe&user=…`), so every `?`
 * after the first separates parameters like `&`.
 */

/** Longest connect query read; longer ones are refused as malformed. */
export const MAX_AUTH_QUERY_CHARS = 1024;
/** At most this many parameters are kept (the first of each name wins). */
const MAX_AUTH_PARAMS = 32;
/**
 * FFmpeg reads the description into 256 bytes (NUL included) before it looks for the parameters:
 * a longer one would cut the opaque.
 */
export const MAX_DESCRIPTION_BYTES = 255;

const PREFIX = '[ AccessManager.Reject ] : ';

/** What a connect asks of the Adobe exchange. */
export type AdobeStep =
  /** No authmod parameter: an ordinary connect. */
  | { kind: 'none' }
  /** authmod names a scheme other than adobe (llnw): refused, the edge speaks adobe only. */
  | { kind: 'unsupported'; authmod: string }
  /** authmod=adobe, no user yet: tell the encoder to come back with one. */
  | { kind: 'need_user' }
  /** authmod=adobe&user=…: issue a challenge. */
  | { kind: 'challenge'; user: string }
  /** authmod=adobe&user=…&challenge=…&response=…[&opaque=…]: verify the answer. */
  | { kind: 'answer'; user: string; clientChallenge: string; response: string; opaque: string }
  /** An answer with a part missing or out of shape. */
  | { kind: 'malformed' };

/** The parameters of a raw query string (`a=b&c=d?e=f`), first value of each name, bounded. */
export function parseRawQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of query.split(/[&?]/)) {
    if (params.size >= MAX_AUTH_PARAMS) break;
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (!params.has(name)) params.set(name, unescapeValue(value));
  }
  return params;
}

/** `%XX` escapes are undone (some encoders escape); `+` stays `+` (base64, not a form). */
function unescapeValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The query part of a connect: tcUrl's (what FFmpeg and FMLE extend), else app's. */
export function connectQuery(tcUrl: string, app: string): string | undefined {
  for (const s of [tcUrl, app]) {
    const at = s.indexOf('?');
    if (at >= 0) return s.slice(at + 1);
  }
  return undefined;
}

/** Values an answer may carry: base64 (standard or url-safe) and hex, at most 128 characters. */
const ANSWER_VALUE = /^[A-Za-z0-9+/=_-]{1,128}$/;

export function adobeStep(query: string | undefined): AdobeStep {
  if (query === undefined) return { kind: 'none' };
  if (query.length > MAX_AUTH_QUERY_CHARS) return { kind: 'malformed' };
  const p = parseRawQuery(query);
  const authmod = p.get('authmod');
  if (authmod === undefined) return { kind: 'none' };
  if (authmod !== 'adobe') return { kind: 'unsupported', authmod: authmod.slice(0, 16) };
  const user = p.get('user');
  if (user === undefined || user === '') return { kind: 'need_user' };
  const clientChallenge = p.get('challenge');
  const response = p.get('response');
  const opaque = p.get('opaque');
  if (clientChallenge === undefined && response === undefined && opaque === undefined)
    return { kind: 'challenge', user };
  if (
    clientChallenge === undefined ||
    response === undefined ||
    opaque === undefined ||
    ![clientChallenge, response, opaque].every((v) => ANSWER_VALUE.test(v))
  )
    return { kind: 'malformed' };
  return { kind: 'answer', user, clientChallenge, response, opaque };
}

/** First refusal: the encoder is to reconnect with `?authmod=adobe&user=<name>`. */
export function needAuthDescription(): string {
  return `${PREFIX}[ code=403 need auth; authmod=adobe ] : `;
}

/** Second refusal: the challenge, which the encoder answers on its next connect. */
export function challengeDescription(user: string, salt: string, challenge: string, opaque: string): string {
  const text = `${PREFIX}[ authmod=adobe ] : ?reason=needauth&user=${user}&salt=${salt}&challenge=${challenge}&opaque=${opaque}`;
  if (Buffer.byteLength(text) > MAX_DESCRIPTION_BYTES)
    throw new Error(`authmod=adobe challenge description of ${Buffer.byteLength(text)} bytes`);
  return text;
}

/** A wrong answer (any reason: the encoder is told nothing more). FFmpeg: "Incorrect username/password". */
export function authFailedDescription(): string {
  return `${PREFIX}[ authmod=adobe ] : ?reason=authfailed`;
}

/** The parameters of a challenge description, as an encoder reads them (for tests and clients). */
export function parseChallengeDescription(
  description: string,
): { user: string; salt: string; challenge?: string; opaque?: string } | undefined {
  const at = description.indexOf('?reason=needauth');
  if (at < 0) return undefined;
  const p = parseRawQuery(description.slice(at + 1));
  const user = p.get('user');
  const salt = p.get('salt');
  if (user === undefined || salt === undefined) return undefined;
  return { user, salt, challenge: p.get('challenge'), opaque: p.get('opaque') };
}

/**
 * A redirect target (another edge's `rtmp://host/<app>`) for an encoder that connected to the sign-in
 * application: the same edge's `<authApp>`, so it is asked for its credentials there too. Other URLs
 * are returned unchanged.
 */
export function signInAppUrl(url: string, app: string, authApp: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const suffix = `/${app}`;
  if (!parsed.pathname.endsWith(suffix)) return url;
  parsed.pathname = `${parsed.pathname.slice(0, -suffix.length)}/${authApp}`;
  return parsed.toString();
}

/** The parameters of the exchange: spent once it is answered, never carried into another connect. */
const EXCHANGE_PARAMS = ['authmod', 'user', 'challenge', 'response', 'opaque'];

/** A connect query without the exchange's parameters (a reconnect signs in afresh). */
export function withoutExchange(query: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams();
  for (const [k, v] of query) if (!EXCHANGE_PARAMS.includes(k)) kept.append(k, v);
  return kept;
}
