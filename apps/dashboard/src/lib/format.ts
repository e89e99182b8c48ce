/** Display formatting shared by pages and charts. Pure: no DOM, no clock unless passed. */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Decimal byte units (1 KB = 1000 B), as bandwidth is billed. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatBitrate(kbps: number | null): string {
  if (kbps === null || !Number.isFinite(kbps) || kbps < 0) return '—';
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${Math.round(kbps)} kbps`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return Math.round(n).toLocaleString('en-US');
}

const RELATIVE_STEPS: Array<[limitSeconds: number, unitSeconds: number, unit: string]> = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [30 * 86_400, 86_400, 'd'],
];

/** "3 min ago" / "in 2 h"; beyond a month, the calendar date. */
export function formatRelative(iso: string | null, now: Date): string {
  if (iso === null) return 'never';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  const deltaSeconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(deltaSeconds);
  if (abs < 5) return 'just now';
  for (const [limit, unitSeconds, unit] of RELATIVE_STEPS) {
    if (abs < limit) {
      const n = Math.floor(abs / unitSeconds);
      return deltaSeconds < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
    }
  }
  return at.toISOString().slice(0, 10);
}

/** A stable, locale-independent timestamp (server and browser render the same text). */
export function formatDateTime(iso: string | null): string {
  if (iso === null) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What a hidden secret shows: a fixed mask that says nothing about the secret, not even its length. */
export const MASKED_SECRET = '•'.repeat(24);
