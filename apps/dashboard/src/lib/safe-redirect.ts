/**
 * Where to go after signing in: only a path on this origin ("/streams/x"), never an
 * absolute or protocol-relative URL ("//evil.example", "/\\evil.example") that would turn
 * the sign-in page into an open redirect. Browsers drop tabs and newlines inside URLs
 * ("/\t/evil.example" becomes "//evil.example"), so any control character is refused too.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/streams'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback;
  return next;
}
