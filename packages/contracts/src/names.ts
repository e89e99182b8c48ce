import { z } from 'zod';

/**
 * Names that reach the edge from the network (app, stream key, playback id) and
 * can end up in URLs, metrics labels or file paths. Only this alphabet is
 * accepted anywhere (docs/reliability.md: names: no `..`, `%2e`, `\`, NUL, `:` or Unicode).
 */
export const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const SafeNameSchema = z.string().regex(SAFE_NAME, 'must match [A-Za-z0-9_-]{1,64}');
export function isSafeName(s: string): boolean {
  return SAFE_NAME.test(s);
}
