import { createPublicKey, type KeyObject } from 'node:crypto';
import type { PlaybackKeysResponse } from '@tributary/contracts';

export interface PlaybackVerificationKey {
  kid: string;
  /** null: a platform key, valid for any tenant's streams. */
  tenantId: string | null;
  key: KeyObject;
}

export interface PlaybackKeyStoreOptions {
  fetch: () => Promise<PlaybackKeysResponse>;
  /** Refresh period used when the api's cacheTtlSeconds is 0 or the api cannot be reached. */
  defaultRefreshSeconds: number;
  onRefreshError?: (err: unknown) => void;
  now?: () => number;
}

/**
 * A token naming an unknown kid triggers a refresh (a tenant may have just created a signing key),
 * but at most once per this period, so a stream of forged kids cannot turn into an api flood.
 */
const MIN_UNKNOWN_KID_REFRESH_MS = 10_000;

/**
 * The public keys that verify playback tokens, fetched from the api and refreshed in the background.
 * When the api is unreachable the last known set stays in use (RELIABILITY F2: signed plays keep
 * validating offline), so no viewer ever waits on the api except for an unknown kid.
 */
export class PlaybackKeyStore {
  private keys = new Map<string, PlaybackVerificationKey>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private lastUnknownKidRefresh = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly opts: PlaybackKeyStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Loads the keys once, then keeps them fresh until stop(). Never throws: an api outage is not fatal. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  lookup(kid: string): PlaybackVerificationKey | undefined {
    return this.keys.get(kid);
  }

  /** Looks a kid up, refreshing first (rate-limited) when it is not known yet. */
  async resolve(kid: string): Promise<PlaybackVerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.now() - this.lastUnknownKidRefresh < MIN_UNKNOWN_KID_REFRESH_MS) return undefined;
    this.lastUnknownKidRefresh = this.now();
    await this.refresh();
    return this.keys.get(kid);
  }

  /** One refresh at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    let nextSeconds = this.opts.defaultRefreshSeconds;
    try {
      const res = await this.opts.fetch();
      this.keys = toKeyMap(res);
      if (res.cacheTtlSeconds > 0)
        nextSeconds = Math.min(res.cacheTtlSeconds, this.opts.defaultRefreshSeconds);
    } catch (err) {
      this.opts.onRefreshError?.(err);
    }
    this.schedule(nextSeconds);
  }

  private schedule(seconds: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh(), seconds * 1000);
    this.timer.unref();
  }
}

function toKeyMap(res: PlaybackKeysResponse): Map<string, PlaybackVerificationKey> {
  const map = new Map<string, PlaybackVerificationKey>();
  for (const k of res.keys) {
    map.set(k.kid, { kid: k.kid, tenantId: k.tenantId, key: createPublicKey({ key: k.jwk, format: 'jwk' }) });
  }
  return map;
}
