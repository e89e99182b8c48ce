import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  formatIp,
  type Ip,
  isAllowListed,
  parseIp,
  parseWebhookUrl,
  refusal,
  type WebhookTarget,
} from './address-policy';

/** A name's addresses, as dns.lookup({all: true}) answers. Injected in tests (DNS rebinding). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface OutboundPolicy {
  /** WEBHOOK_ALLOWED_HOSTS: host:port entries that may be private. */
  allowList: readonly string[];
  resolve: Resolver;
}

export class RefusedTarget extends Error {}

/** Bytes of a response read at most (the rest is not read: the socket is closed). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Characters of the response body kept in the delivery log. */
export const SNIPPET_CHARS = 1024;
/** Addresses one name may resolve to (more are refused). */
const MAX_ADDRESSES = 32;

/**
 * The addresses `target` may be reached at, every one checked: a literal is judged itself, a name by
 * everything it resolves to (one private answer refuses it: a name is not half trusted). Allow-listed
 * host:port pairs skip the check. Throws RefusedTarget with the reason.
 */
export async function checkedAddresses(target: WebhookTarget, policy: OutboundPolicy): Promise<Ip[]> {
  const allowed = isAllowListed(target.hostPort, policy.allowList);
  if (target.literal) {
    const why = refusal(target.literal);
    if (why && !allowed) throw new RefusedTarget(`${target.hostPort} is a ${why} address`);
    return [target.literal];
  }
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await policy.resolve(target.url.hostname);
  } catch (err) {
    throw new RefusedTarget(`${target.url.hostname} does not resolve (${(err as Error).message})`);
  }
  if (answers.length === 0) throw new RefusedTarget(`${target.url.hostname} has no address`);
  if (answers.length > MAX_ADDRESSES)
    throw new RefusedTarget(`${target.url.hostname} has too many addresses`);
  const ips: Ip[] = [];
  for (const a of answers) {
    const ip = parseIp(a.address);
    if (!ip) throw new RefusedTarget(`${target.url.hostname} resolved to an unreadable address`);
    const why = refusal(ip);
    if (why && !allowed)
      throw new RefusedTarget(`${target.url.hostname} resolves to a ${why} address (${a.address})`);
    ips.push(ip);
  }
  return ips;
}

/** Registration check: the URL's shape and where it resolves now. Returns the reason it is refused, if it is. */
export async function urlRefusal(text: string, policy: OutboundPolicy): Promise<string | undefined> {
  const target = parseWebhookUrl(text);
  if ('error' in target) return target.error;
  try {
    await checkedAddresses(target, policy);
    return undefined;
  } catch (err) {
    if (err instanceof RefusedTarget) return err.message;
    throw err;
  }
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  snippet: string | null;
  error: string | null;
}

/**
 * POSTs `body` to `url` once: the address is checked again here, after resolution, and the socket goes to
 * exactly the checked address (a `lookup` answering with it, so a name cannot resolve differently between
 * check and connect). Redirects are not followed (a 3xx is a failed attempt); the whole attempt is cut after
 * `timeoutMs`; at most MAX_RESPONSE_BYTES of the answer are read. Never throws.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: OutboundPolicy & { timeoutMs: number; signal?: AbortSignal },
): Promise<PostResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const fail = (error: string, status: number | null = null, snippet: string | null = null): PostResult => ({
    ok: false,
    status,
    latencyMs: took(),
    snippet,
    error,
  });
  const target = parseWebhookUrl(url);
  if ('error' in target) return fail(`refused: ${target.error}`);
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  let ips: Ip[];
  try {
    ips = await Promise.race([
      checkedAddresses(target, opts),
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('timed out resolving')), { once: true }),
      ),
    ]);
  } catch (err) {
    return fail(err instanceof RefusedTarget ? `refused: ${err.message}` : (err as Error).message);
  }
  const chosen = ips[0] as Ip;
  const address = formatIp(chosen);
  const family = chosen.family;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: unknown[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = request(
      target.url,
      {
        method: 'POST',
        // The name stays in Host and TLS SNI; the socket goes to the checked address.
        lookup: pinned,
        agent: false,
        signal,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let bytes = 0;
        const finish = () => {
          const snippet = Buffer.concat(chunks).toString('utf8').slice(0, SNIPPET_CHARS);
          res.destroy();
          if (status >= 200 && status < 300)
            done({ ok: true, status, latencyMs: took(), snippet, error: null });
          else if (status >= 300 && status < 400)
            done(
              fail(
                `redirect not followed (${status} to ${String(res.headers.location ?? '').slice(0, 200)})`,
                status,
                snippet,
              ),
            );
          else done(fail(`HTTP ${status}`, status, snippet));
        };
        res.on('data', (chunk: Buffer) => {
          if (bytes >= MAX_RESPONSE_BYTES) return;
          const room = MAX_RESPONSE_BYTES - bytes;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          bytes += Math.min(chunk.length, room);
          if (bytes >= MAX_RESPONSE_BYTES) finish();
        });
        res.on('end', finish);
        res.on('error', () => finish());
      },
    );
    req.on('error', (err) => {
      const reason = signal.aborted
        ? deadline.aborted
          ? `timed out after ${opts.timeoutMs} ms`
          : 'cancelled (api shutting down)'
        : err.message;
      done(fail(reason));
    });
    req.end(body);
  });
}
