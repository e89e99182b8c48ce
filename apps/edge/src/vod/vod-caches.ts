import type { EdgeAsset } from '@tributary/contracts';
import type { MediaFileIndex, VodSegment } from '@tributary/media';

/**
 * Asset lookups by playback id, kept `ttlMs` (answers "unknown" too, so a flood of made-up ids costs
 * the api one call per id per TTL), one call in flight per id, at most `maxEntries` ids held (the
 * oldest go first). When a refresh fails (the api is down) the previous answer is used for up to
 * `staleIfErrorMs` after it was fetched, so assets whose blocks are cached keep playing; a failed call
 * is not kept, and the next request asks again.
 */
export class AssetLookups {
  private readonly entries = new Map<
    string,
    {
      at: number;
      asset: Promise<EdgeAsset | undefined>;
      settled?: { at: number; asset: EdgeAsset | undefined };
    }
  >();

  constructor(
    private readonly opts: {
      lookup: (playbackId: string) => Promise<EdgeAsset | undefined>;
      ttlMs: number;
      staleIfErrorMs: number;
      maxEntries: number;
      now?: () => number;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(playbackId: string): Promise<EdgeAsset | undefined> {
    const now = this.now();
    const held = this.entries.get(playbackId);
    if (held && now - held.at < this.opts.ttlMs) return held.asset;
    const previous = held?.settled;
    this.entries.delete(playbackId);
    const entry: { at: number; asset: Promise<EdgeAsset | undefined>; settled?: typeof previous } = {
      at: now,
      asset: this.opts.lookup(playbackId).then(
        (asset) => {
          entry.settled = { at: this.now(), asset };
          return asset;
        },
        (err: unknown) => {
          if (this.entries.get(playbackId) === entry) {
            // Not kept as an answer; the last good one stays for the stale window.
            if (previous && this.now() - previous.at < this.opts.staleIfErrorMs) {
              entry.settled = previous;
              return previous.asset;
            }
            this.entries.delete(playbackId);
          }
          throw err;
        },
      ),
      ...(previous ? { settled: previous } : {}),
    };
    this.entries.set(playbackId, entry);
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry.asset;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

/** An indexed file and its segment plan, as an edge keeps it. */
export interface IndexedAsset {
  readonly index: MediaFileIndex;
  readonly segments: readonly VodSegment[];
}

/**
 * Indexes of on-demand files by asset id (a file never changes under its asset id): each built once
 * (concurrent requests share the build), the least recently used dropped past `maxEntries` files or
 * `maxSamples` samples held in all (an index holds ~29 bytes per sample). A failed build is not kept.
 */
export class IndexCache {
  private readonly entries = new Map<string, { samples: number; value: Promise<IndexedAsset> }>();
  private heldSamples = 0;

  constructor(private readonly opts: { maxEntries: number; maxSamples: number }) {}

  get samples(): number {
    return this.heldSamples;
  }

  get size(): number {
    return this.entries.size;
  }

  get(assetId: string, build: () => Promise<IndexedAsset>): Promise<IndexedAsset> {
    const held = this.entries.get(assetId);
    if (held) {
      this.entries.delete(assetId);
      this.entries.set(assetId, held);
      return held.value;
    }
    const entry = { samples: 0, value: build() };
    this.entries.set(assetId, entry);
    entry.value.then(
      (built) => {
        if (this.entries.get(assetId) !== entry) return;
        entry.samples = built.index.samples.count;
        this.heldSamples += entry.samples;
        this.trim(assetId);
      },
      () => {
        if (this.entries.get(assetId) === entry) this.entries.delete(assetId);
      },
    );
    this.trim(assetId);
    return entry.value;
  }

  /** Drops least recently used entries (never `keep`, the one just used) until within both bounds. */
  private trim(keep: string): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.opts.maxEntries && this.heldSamples <= this.opts.maxSamples) return;
      if (id === keep) continue;
      this.entries.delete(id);
      this.heldSamples -= entry.samples;
    }
  }
}
