import { createPublicKey, type KeyObject } from 'node:crypto';
import type { PlaybackKey, PlaybackKeysResponse } from '@tributary/contracts';

export interface PlaybackVerificationKey {
  kid: string;
  /** null: a platform key, valid for any tenant's streams. */
  tenantId: string | null;
  key: KeyObject;
}

export interface PlaybackKeyStoreOptions {
  /** One page of the key set (GET playbackKeys?after=<kid>). */
  fetchPage: (after: string | undefined) => Promise<PlaybackKeysResponse>;
  /** One key by kid (GET playbackKeys/<kid>); undefined when the api does not know it. */
  fetchOne: (kid: string) => Promise<PlaybackKey | undefined>;
  onError?: (err: unknown, during: 'sync' | 'lookup') => void;
  now?: () => number;
}

/** A kid the api said it does not know is not asked about again for this long (unless the feed says it was created). */
const NEGATIVE_TTL_MS = 30_000;
/** Unknown kids remembered at once; the oldest go first, so a flood of forged kids stays bounded. */
const MAX_NEGATIVE_ENTRIES = 10_000;
/** Lookups of unknown kids in flight at once; more are refused (the token fails closed) rather than queued. */
const MAX_LOOKUPS_IN_FLIGHT = 16;
/** Pages one sync reads at most (500 keys each): a runaway api answer cannot loop forever. */
const MAX_SYNC_PAGES = 10_000;

/**
 * The public keys that verify playback tokens. Loaded page by page at start and on a feed resync,
 * then kept current by the control feed (a created key is fetched by its kid, a revoked one is
 * dropped at once); a token naming a kid not known yet is looked up once, with a bounded negative
 * cache so forged kids cannot turn into an api flood. No response ever carries the whole platform's
 * keys, so one tenant's thousands of keys cannot break verification for the others. When the api is
 * unreachable the keys already known keep verifying; unknown kids fail closed.
 */
export class PlaybackKeyStore {
  private keys = new Map<string, PlaybackVerificationKey>();
  private readonly unknown = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<PlaybackVerificationKey | undefined>>();
  private syncing: Promise<boolean> | undefined;
  /** Bumped by every feed update, so a lookup answered before one cannot undo it. */
  private generation = 0;
  /** While a sync runs: keys added (true) or revoked (false) meanwhile, replayed on the new set. */
  private changedDuringSync: Map<string, boolean> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: PlaybackKeyStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.keys.size;
  }

  lookup(kid: string): PlaybackVerificationKey | undefined {
    return this.keys.get(kid);
  }

  /** Looks a kid up, asking the api once when it is not known (negative answers are cached). */
  async resolve(kid: string): Promise<PlaybackVerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    const miss = this.unknown.get(kid);
    if (miss !== undefined && miss > this.now()) return undefined;
    const inFlight = this.lookups.get(kid);
    if (inFlight) return inFlight;
    if (this.lookups.size >= MAX_LOOKUPS_IN_FLIGHT) return undefined;
    const call = this.fetchOne(kid).finally(() => this.lookups.delete(kid));
    this.lookups.set(kid, call);
    return call;
  }

  /** Reloads the whole set page by page and swaps it in; false (set unchanged) when the api failed. */
  sync(): Promise<boolean> {
    this.syncing ??= this.load().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** The feed says this key was created: fetch it now so it verifies offline too. */
  async learn(kid: string): Promise<void> {
    this.generation += 1;
    this.unknown.delete(kid);
    this.changedDuringSync?.delete(kid);
    await this.resolve(kid);
  }

  /** The feed says this key was revoked: it stops verifying at once. */
  forget(kid: string): void {
    this.generation += 1;
    this.keys.delete(kid);
    this.changedDuringSync?.set(kid, false);
    this.rememberUnknown(kid);
  }

  private async fetchOne(kid: string): Promise<PlaybackVerificationKey | undefined> {
    const generation = this.generation;
    let key: PlaybackKey | undefined;
    try {
      key = await this.opts.fetchOne(kid);
    } catch (err) {
      this.opts.onError?.(err, 'lookup');
      return undefined;
    }
    if (!key || key.kid !== kid) {
      this.rememberUnknown(kid);
      return undefined;
    }
    // A revocation that arrived while the api answered wins over the (older) answer.
    if (generation !== this.generation && this.unknown.has(kid)) return undefined;
    const verification = toVerificationKey(key);
    this.keys.set(kid, verification);
    this.changedDuringSync?.set(kid, true);
    this.unknown.delete(kid);
    return verification;
  }

  private async load(): Promise<boolean> {
    const changed = new Map<string, boolean>();
    this.changedDuringSync = changed;
    const next = new Map<string, PlaybackVerificationKey>();
    let after: string | undefined;
    try {
      for (let page = 0; page < MAX_SYNC_PAGES; page++) {
        const res = await this.opts.fetchPage(after);
        for (const k of res.keys) next.set(k.kid, toVerificationKey(k));
        if (res.next === null || res.next === after) break;
        after = res.next;
      }
    } catch (err) {
      this.opts.onError?.(err, 'sync');
      return false;
    } finally {
      this.changedDuringSync = undefined;
    }
    // Feed updates applied during the sync are replayed on the new set: revoked keys stay gone.
    for (const [kid, added] of changed) {
      const key = this.keys.get(kid);
      if (added && key) next.set(kid, key);
      else next.delete(kid);
    }
    this.keys = next;
    for (const kid of next.keys()) this.unknown.delete(kid);
    return true;
  }

  private rememberUnknown(kid: string): void {
    this.unknown.delete(kid);
    this.unknown.set(kid, this.now() + NEGATIVE_TTL_MS);
    for (const oldest of this.unknown.keys()) {
      if (this.unknown.size <= MAX_NEGATIVE_ENTRIES) break;
      this.unknown.delete(oldest);
    }
  }
}

function toVerificationKey(k: PlaybackKey): PlaybackVerificationKey {
  return { kid: k.kid, tenantId: k.tenantId, key: createPublicKey({ key: k.jwk, format: 'jwk' }) };
}
