import type { StreamOriginResponse } from '@tributary/contracts';

export interface OriginLookupOptions {
  /** The api call (ApiClient.streamOrigin). */
  ask: (playbackId: string) => Promise<StreamOriginResponse>;
  /** An answer is reused this long: a burst of viewers (or FCSubscribe then play) asks once. */
  cacheMs: number;
  /** Distinct playback ids being asked at once; past it a lookup fails at once ('busy'). */
  maxInFlight: number;
  /** Answers kept at most (oldest dropped first), so invented ids cannot grow the cache. */
  maxCached?: number;
  now?: () => number;
}

export class OriginLookupBusy extends Error {
  constructor() {
    super('too many origin lookups in flight');
    this.name = 'OriginLookupBusy';
  }
}

/**
 * "Where is this playback id live?", asked of the api once per id at a time (single flight), the
 * answer reused for a moment, and a bounded number of ids in flight: viewers flooding an edge with
 * ids cannot flood the api through it.
 */
export class OriginLookup {
  private readonly inFlight = new Map<string, Promise<StreamOriginResponse>>();
  private readonly cache = new Map<string, { at: number; answer: StreamOriginResponse }>();
  private readonly now: () => number;

  constructor(private readonly opts: OriginLookupOptions) {
    this.now = opts.now ?? Date.now;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** The answer for `playbackId`; `fresh` skips the cache (a pull that just lost its upstream). */
  lookup(playbackId: string, { fresh = false } = {}): Promise<StreamOriginResponse> {
    const cached = this.cache.get(playbackId);
    if (!fresh && cached && this.now() - cached.at <= this.opts.cacheMs)
      return Promise.resolve(cached.answer);
    const running = this.inFlight.get(playbackId);
    if (running) return running;
    if (this.inFlight.size >= this.opts.maxInFlight) return Promise.reject(new OriginLookupBusy());
    const asked = this.opts
      .ask(playbackId)
      .then((answer) => {
        this.remember(playbackId, answer);
        return answer;
      })
      .finally(() => this.inFlight.delete(playbackId));
    this.inFlight.set(playbackId, asked);
    return asked;
  }

  /** Forgets what is known of `playbackId` (its upstream just went away). */
  forget(playbackId: string): void {
    this.cache.delete(playbackId);
  }

  private remember(playbackId: string, answer: StreamOriginResponse): void {
    this.cache.delete(playbackId);
    this.cache.set(playbackId, { at: this.now(), answer });
    const max = this.opts.maxCached ?? 10_000;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}
