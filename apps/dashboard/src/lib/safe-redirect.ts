/**
 * Where to go after signing in: only a path on this origin ("/streams/x"), never an
 * absolute or protocol-relative URL ("//evil.example", "/\\evil.example") that would turn
 * the sign-in page into an open redirect.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/streams'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (/[\u0000-\u001f]/.test(next)) return fallback;
  return next;
}
