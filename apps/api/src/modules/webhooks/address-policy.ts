/**
 * Where a webhook may go (docs/reliability.md: webhook-ssrf). Pure: no sockets, no DNS. The delivery client
 * calls `refusal()` on every address a name resolves to, at registration and again at connect time, and
 * connects only to the address it checked; literal hosts in URLs are parsed here in every spelling an
 * OS resolver accepts (inet_aton: `2130706433`, `0177.0.0.1`, `0x7f.1`), so no spelling slips through.
 */

export type Ip = { family: 4; value: number } | { family: 6; words: number[] };

/** Largest host or address text considered (longer is refused unparsed). */
const MAX_HOST_CHARS = 253;

function parseIpv4Part(part: string): number | undefined {
  if (part.length === 0 || part.length > 12) return undefined;
  let n: number;
  if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  else if (/^0[0-7]*$/.test(part)) n = part.length === 1 ? 0 : Number.parseInt(part.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(part)) n = Number.parseInt(part, 10);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * IPv4 as inet_aton reads it: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part
 * fills the remaining bytes (`127.1` = 127.0.0.1, `2130706433` = 127.0.0.1). Undefined if not an address.
 */
export function parseIpv4(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  const parts = text.split('.');
  // A trailing dot is allowed by resolvers ("127.0.0.1.").
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIpv4Part(p);
    if (n === undefined) return undefined;
    nums.push(n);
  }
  const last = nums.pop() as number;
  for (const n of nums) if (n > 255) return undefined;
  if (last >= 256 ** (4 - nums.length)) return undefined;
  let value = 0;
  for (const n of nums) value = value * 256 + n;
  return value * 256 ** (4 - nums.length) + last;
}

/** IPv6 text (with `::`, an embedded dotted IPv4 tail, an optional zone) into 8 16-bit words. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const groups = h.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(g)) return undefined;
        const octets = g.split('.').map(Number);
        if (octets.some((o) => o > 255)) return undefined;
        out.push(((octets[0] as number) << 8) | (octets[1] as number));
        out.push(((octets[2] as number) << 8) | (octets[3] as number));
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parseHalf(halves[0] as string);
  if (!head) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = parseHalf(halves[1] as string);
  if (!tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** A URL's host (as `new URL().hostname` gives it, brackets allowed) or a resolver's answer, if it is an address. */
export function parseIp(host: string): Ip | undefined {
  if (host.length > MAX_HOST_CHARS) return undefined;
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.includes(':')) {
    const words = parseIpv6(h);
    return words ? { family: 6, words } : undefined;
  }
  const value = parseIpv4(h);
  return value === undefined ? undefined : { family: 4, value };
}

const v4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;

/** IPv4 ranges no webhook may reach, with why (IANA special-purpose registry). */
const V4_BLOCKED: ReadonlyArray<readonly [number, number, string]> = [
  [v4(0, 0, 0, 0), 8, 'this-network'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'carrier-grade NAT'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link-local (cloud metadata)'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'IETF protocol assignments'],
  [v4(192, 0, 2, 0), 24, 'documentation'],
  [v4(192, 88, 99, 0), 24, '6to4 relay'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'benchmarking'],
  [v4(198, 51, 100, 0), 24, 'documentation'],
  [v4(203, 0, 113, 0), 24, 'documentation'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved or broadcast'],
];

function refusalV4(value: number): string | undefined {
  for (const [base, bits, why] of V4_BLOCKED) {
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return why;
  }
  return undefined;
}

/**
 * Why `ip` may not be a webhook's destination, or undefined when it is a public unicast address.
 * IPv6: only global unicast (2000::/3) passes, minus documentation, Teredo and ORCHID; IPv4-mapped
 * (`::ffff:127.0.0.1`), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4 inside.
 */
export function refusal(ip: Ip): string | undefined {
  if (ip.family === 4) return refusalV4(ip.value);
  const w = ip.words;
  const embedded = (hi: number, lo: number) => refusalV4(hi * 65536 + lo);
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && w[7] === 1) return 'loopback';
  if (zeros(0, 5) && w[5] === 0xffff) {
    const why = embedded(w[6] as number, w[7] as number);
    return why ? `IPv4-mapped ${why}` : 'IPv4-mapped';
  }
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) {
    const why = embedded(w[6] as number, w[7] as number);
    return why ? `NAT64 ${why}` : 'NAT64';
  }
  const first = w[0] as number;
  if (first === 0x2002) {
    const why = embedded(w[1] as number, w[2] as number);
    if (why) return `6to4 ${why}`;
  }
  if ((first & 0xe000) !== 0x2000) {
    if ((first & 0xfe00) === 0xfc00) return 'unique local';
    if ((first & 0xffc0) === 0xfe80) return 'link-local';
    if ((first & 0xffc0) === 0xfec0) return 'site-local';
    if ((first & 0xff00) === 0xff00) return 'multicast';
    return 'not global unicast';
  }
  if (first === 0x2001 && w[1] === 0x0db8) return 'documentation';
  if (first === 0x2001 && w[1] === 0) return 'Teredo';
  if (first === 0x2001 && ((w[1] as number) & 0xfff0) === 0x0010) return 'ORCHID';
  if (first === 0x2001 && ((w[1] as number) & 0xfff0) === 0x0020) return 'ORCHID';
  return undefined;
}

/** An address as text (IPv4 dotted, IPv6 uncompressed lower-case hex words), for logs and connect. */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  return ip.words.map((x) => x.toString(16)).join(':');
}

export interface WebhookTarget {
  url: URL;
  /** `host:port` as WEBHOOK_ALLOWED_HOSTS names it (lower case, IPv6 in brackets, default ports filled in). */
  hostPort: string;
  /** The host when it is an address literal (in any spelling), else undefined (a name to resolve). */
  literal: Ip | undefined;
}

/** Largest webhook URL accepted. */
export const MAX_WEBHOOK_URL_CHARS = 2048;

/**
 * Parses a webhook URL: http or https, no credentials, a host; `{error}` says what is wrong. Hosts in
 * numeric spellings (`http://2130706433/`) are read as the address they name.
 */
export function parseWebhookUrl(text: string): WebhookTarget | { error: string } {
  if (text.length > MAX_WEBHOOK_URL_CHARS)
    return { error: `longer than ${MAX_WEBHOOK_URL_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'expected an http(s) URL' };
  if (url.username || url.password) return { error: 'credentials in the URL are not allowed' };
  const host = url.hostname.toLowerCase();
  if (!host) return { error: 'no host' };
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const literal = parseIp(host);
  const hostPort = `${literal?.family === 6 && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  return { url, hostPort, literal };
}

/** Whether `hostPort` (a WebhookTarget's) is on the operator's allow-list (WEBHOOK_ALLOWED_HOSTS). */
export function isAllowListed(hostPort: string, allowList: readonly string[]): boolean {
  return allowList.includes(hostPort.toLowerCase());
}
