import type { Request } from 'express';
import type { ApiConfig } from '../../config';
import { fromTrustedProxy } from './origin-check';

/**
 * The IP a sign-in-like request (login, accepting an invitation) came from, for its rate limits.
 * Behind the dashboard every such request arrives from the dashboard's server, so the dashboard
 * names the browser's IP in X-Forwarded-For; that header is believed only from a caller that
 * proves it is the dashboard with TRUSTED_PROXY_SECRET, never from anyone else (who could pick a
 * fresh IP per guess).
 */
export function clientIp(req: Request, config: ApiConfig): string {
  const socketIp = req.socket.remoteAddress ?? 'unknown';
  if (!fromTrustedProxy(req, config)) return socketIp;
  const forwarded = req.headers['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '');
  // The nearest hop's entry: the dashboard appends (or sets) the address it saw last.
  const nearest = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .pop();
  return nearest && nearest.length <= 64 ? nearest : socketIp;
}

/** Longest User-Agent kept with a session (the list shows it; nothing parses it). */
const USER_AGENT_MAX = 256;

/**
 * The browser's User-Agent for a session list: the request's own, or, from the dashboard's server
 * (which is not the browser), the one it forwards in X-Forwarded-User-Agent. Null when unknown.
 */
export function clientUserAgent(req: Request, config: ApiConfig): string | null {
  const header = fromTrustedProxy(req, config)
    ? req.headers['x-forwarded-user-agent']
    : req.headers['user-agent'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value.slice(0, USER_AGENT_MAX) : null;
}
