import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ApiConfig } from '../../config';
import { AppError, ErrorCode } from '../errors';

/** The header in which the dashboard's server proves it is the dashboard (TRUSTED_PROXY_SECRET). */
export const PROXY_SECRET_HEADER = 'x-tributary-proxy-secret';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** True when the request carries the shared TRUSTED_PROXY_SECRET (the dashboard's server). */
export function fromTrustedProxy(req: Request, config: ApiConfig): boolean {
  const secret = config.TRUSTED_PROXY_SECRET;
  const offered = req.headers[PROXY_SECRET_HEADER];
  return !!secret && typeof offered === 'string' && secretsEqual(offered, secret);
}

/**
 * Cross-site request forgery guard for cookie-authenticated writes: a browser
 * attaches the session cookie to a form posted from any site, so a POST, PATCH
 * or DELETE that authenticates with the cookie must show it is not cross-site.
 * The rule is the one Go's net/http CrossOriginProtection applies, since every
 * browser that could be tricked into the request sends Sec-Fetch-Site or Origin:
 * - Sec-Fetch-Site same-origin or none (typed by the user): allowed;
 * - otherwise an Origin must be listed in CORS_ORIGINS (the dashboard) or be the
 *   api's own origin (its Host), else 403 forbidden;
 * - neither header: not a browser (the dashboard's server, a script), allowed.
 * API-key calls carry no ambient credential and are not checked at all.
 */
export function assertSameOriginWrite(req: Request, config: ApiConfig): void {
  if (SAFE_METHODS.has(req.method)) return;
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return;
  const origin = req.headers.origin;
  if (typeof origin !== 'string') {
    if (site === undefined) return;
  } else {
    if (config.CORS_ORIGINS.includes(origin)) return;
    const host = req.headers.host;
    if (host && hostOf(origin) === host.toLowerCase()) return;
  }
  throw new AppError(
    ErrorCode.forbidden,
    `cross-site request refused: ${typeof origin === 'string' ? `origin ${origin.slice(0, 100)}` : 'this site'} may not write with a session cookie (use an API key)`,
  );
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
