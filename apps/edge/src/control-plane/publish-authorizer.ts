import { createHash } from 'node:crypto';
import type {
  AuthorizePublishRequest,
  AuthorizePublishResponse,
  PublishRefusalReason,
} from '@tributary/contracts';

export type PublishGrant = Extract<AuthorizePublishResponse, { allowed: true }>;

/** Refusals the edge adds to the api's own: the api could not answer, or too many answers are pending. */
export type EdgeRefusalReason = 'control_plane_unavailable' | 'overloaded';

export type PublishDecision =
  | { allowed: true; grant: PublishGrant; source: 'api' | 'cache' | 'stale' }
  | { allowed: false; reason: PublishRefusalReason | EdgeRefusalReason; message: string };

export interface PublishAuthorizerOptions {
  ask: (req: AuthorizePublishRequest) => Promise<AuthorizePublishResponse>;
  /** Ceiling on the api's cacheTtlSeconds. */
  maxCacheTtlSeconds: number;
  /** How long an allowed answer may still be used while the api cannot be reached. */
  staleIfErrorSeconds: number;
  /** Distinct keys waiting on the api at once; more are refused immediately. */
  maxPending: number;
  now?: () => number;
}

/**
 * Bounds the cache so a flood of random keys cannot grow memory: refusals are cached too (that is
 * what makes a brute-force flood cheap for the api), and at 10,000 entries the oldest go first.
 */
const MAX_CACHE_ENTRIES = 10_000;

interface CacheEntry {
  answer: AuthorizePublishResponse;
  freshUntil: number;
  /** Only allowed answers have a stale window; refusals are forgotten when they expire. */
  usableUntil: number;
}

/**
 * Publish authorisation with a short cache and request coalescing: concurrent publishes with the
 * same key share one api call, answers are cached for min(api TTL, ceiling), and when the api is
 * down or slow new keys fail closed while recently allowed keys keep working (stale-if-error).
 * Keys are held only as SHA-256 digests.
 */
export class PublishAuthorizer {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly pending = new Map<string, Promise<PublishDecision>>();
  private readonly now: () => number;
  private epoch = 0;

  constructor(private readonly opts: PublishAuthorizerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  authorize(req: AuthorizePublishRequest): Promise<PublishDecision> {
    const id = cacheId(req.app, req.streamKey);
    const entry = this.cache.get(id);
    const now = this.now();
    if (entry && entry.freshUntil > now) return Promise.resolve(toDecision(entry.answer, 'cache'));
    const inFlight = this.pending.get(id);
    if (inFlight) return inFlight;
    if (this.pending.size >= this.opts.maxPending) {
      return Promise.resolve({
        allowed: false,
        reason: 'overloaded',
        message: 'Too many publish authorisations in progress; try again shortly.',
      });
    }
    const call = this.ask(id, req).finally(() => this.pending.delete(id));
    this.pending.set(id, call);
    return call;
  }

  /** Forgets every cached answer for a key (e.g. after the api reported the stream disabled). */
  forget(app: string, streamKey: string): void {
    this.cache.delete(cacheId(app, streamKey));
  }

  /**
   * The control feed revoked something: cached allows it matches are dropped (and their stale
   * window with them), and so are all cached refusals (a rotated key or a re-enabled stream must
   * work at once). Answers in flight while this runs are asked again rather than trusted.
   */
  invalidate(matches: (grant: PublishGrant) => boolean): void {
    this.epoch += 1;
    for (const [id, entry] of this.cache) {
      if (!entry.answer.allowed || matches(entry.answer)) this.cache.delete(id);
    }
  }

  /** A resync: nothing cached can be trusted. */
  invalidateAll(): void {
    this.epoch += 1;
    this.cache.clear();
  }

  private async ask(id: string, req: AuthorizePublishRequest): Promise<PublishDecision> {
    let answer: AuthorizePublishResponse;
    try {
      const epoch = this.epoch;
      answer = await this.opts.ask(req);
      // The api may have answered from before a revocation the feed has since delivered: ask once more.
      if (this.epoch !== epoch) answer = await this.opts.ask(req);
    } catch {
      const stale = this.cache.get(id);
      if (stale?.answer.allowed && stale.usableUntil > this.now()) return toDecision(stale.answer, 'stale');
      return {
        allowed: false,
        reason: 'control_plane_unavailable',
        message: 'The control plane cannot be reached to authorise this stream key; try again shortly.',
      };
    }
    this.remember(id, answer);
    return toDecision(answer, 'api');
  }

  private remember(id: string, answer: AuthorizePublishResponse): void {
    const now = this.now();
    const ttlMs = Math.min(answer.cacheTtlSeconds, this.opts.maxCacheTtlSeconds) * 1000;
    const freshUntil = now + ttlMs;
    const usableUntil = answer.allowed ? freshUntil + this.opts.staleIfErrorSeconds * 1000 : freshUntil;
    this.cache.delete(id);
    if (usableUntil <= now) return;
    this.cache.set(id, { answer, freshUntil, usableUntil });
    // Map iteration follows insertion order, and remember() re-inserts: the first key is the oldest.
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHE_ENTRIES) break;
      this.cache.delete(oldest);
    }
  }
}

function toDecision(answer: AuthorizePublishResponse, source: 'api' | 'cache' | 'stale'): PublishDecision {
  if (answer.allowed) return { allowed: true, grant: answer, source };
  return { allowed: false, reason: answer.reason, message: answer.message };
}

function cacheId(app: string, streamKey: string): string {
  return createHash('sha256').update(app).update('\0').update(streamKey).digest('base64url');
}
