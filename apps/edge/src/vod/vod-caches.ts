import type { EdgeAsset } from '@tributary/contracts';
import type { MediaFileIndex, VodSegment } from '@tributary/media';

/**
 * Asset lookups by playback id, kept `ttlMs` (answers "unknown" too, so a flood of made-up ids costs
 * the api one call per id per TTL), one call in flight per id, at most `maxEntries` ids held (the
 * oldest go first). A failed call is not kept: the next request asks again.
 */
export class AssetLookups {
  private readonly entries = new Map<string, { at: number; asset: Promise<EdgeAsset | undefined> }>();

  constructor(
    private readonly opts: {
      lookup: (playbackId: string) => Promise<EdgeAsset | undefined>;
      ttlMs: number;
      maxEntries: number;
      now?: () => number;
    },
  ) {}

  get(playbackId: string): Promise<EdgeAsset | undefined> {
    const now = (this.opts.now ?? Date.now)();
    const held = this.entries.get(playbackId);
    if (held && now - held.at < this.opts.ttlMs) return held.asset;
    if (held) this.entries.delete(playbackId);
    const asset = this.opts.lookup(playbackId);
    this.entries.set(playbackId, { at: now, asset });
    asset.catch(() => {
      if (this.entries.get(playbackId)?.asset === asset) this.entries.delete(playbackId);
    });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return asset;
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
