import { isIPv6 } from 'node:net';

/**
 * A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6 (`::ffff:192.0.2.1`, RFC 4291
 * §2.5.5.2). Comparisons and per-IP counters use the plain IPv4 form so one client is one key.
 */
export function normalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && !isIPv6(lower.slice(7))) return lower.slice(7);
  return lower;
}
