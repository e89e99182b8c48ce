/** Prefixes of the secrets the api issues; the prefix tells a leaked secret's kind at a glance (secret scanners). */
export const CredentialPrefix = {
  apiKey: 'tk_live',
  edge: 'ek',
  session: 'sess',
  streamKey: 'sk',
  invitation: 'tinv',
} as const;

/** How many leading characters of an API key are stored and shown ("tk_live_ab12"). */
export const API_KEY_VISIBLE_CHARS = 12;

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
