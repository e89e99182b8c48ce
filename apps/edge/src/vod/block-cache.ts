import type { RandomAccessSource } from '@tributary/media';

/** Files are read from the api and cached in blocks of this many bytes (1 MiB). */
export const VOD_BLOCK_BYTES = 1024 * 1024;

export interface BlockCacheOptions {
  /** Most bytes of blocks held (VOD_CACHE_BYTES); the least recently used go first. */
  maxBytes: number;
  /** Reads one block's bytes from the origin (the api's asset source): `length` at `offset`. */
  fetch: (fileKey: FileKey, offset: number, length: number) => Promise<Buffer>;
  /** Origin reads in flight at once; more wait their turn (bounded memory while blocks arrive). */
  maxInFlight?: number;
  blockBytes?: number;
}

/** Which file a block is of: the asset (its file never changes) and where to read it. */
export interface FileKey {
  readonly assetId: string;
  readonly playbackId: string;
  readonly size: number;
}

export interface BlockCacheStats {
  hits: number;
  misses: number;
  /** Bytes read from the origin. */
  bytesFetched: number;
}

/**
 * A bounded LRU of file blocks shared by every on-demand file an edge serves: a range read touches
 * the blocks it spans, each fetched once (concurrent readers of a missing block share one fetch) and
 * kept while the cache has room. Memory: at most maxBytes of blocks plus maxInFlight blocks arriving.
 */
export class BlockCache {
  readonly stats: BlockCacheStats = { hits: 0, misses: 0, bytesFetched: 0 };
  private readonly blocks = new Map<string, Buffer>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private readonly waiting: Array<() => void> = [];
  private heldBytes = 0;
  private inFlight = 0;
  private readonly blockBytes: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: BlockCacheOptions) {
    this.blockBytes = opts.blockBytes ?? VOD_BLOCK_BYTES;
    this.maxInFlight = opts.maxInFlight ?? 16;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** A RandomAccessSource over one file, reading through the cache. */
  source(file: FileKey): RandomAccessSource {
    return { size: file.size, read: (offset, length) => this.read(file, offset, length) };
  }

  async read(file: FileKey, offset: number, length: number): Promise<Buffer> {
    const start = Math.max(0, Math.min(offset, file.size));
    const end = Math.min(file.size, start + Math.max(0, length));
    if (end <= start) return Buffer.alloc(0);
    const first = Math.floor(start / this.blockBytes);
    const last = Math.floor((end - 1) / this.blockBytes);
    const parts: Buffer[] = [];
    for (let b = first; b <= last; b++) {
      const block = await this.block(file, b);
      const blockStart = b * this.blockBytes;
      parts.push(block.subarray(Math.max(0, start - blockStart), Math.min(block.length, end - blockStart)));
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  private block(file: FileKey, n: number): Promise<Buffer> {
    const key = `${file.assetId}:${n}`;
    const held = this.blocks.get(key);
    if (held) {
      this.stats.hits++;
      // Most recently used last.
      this.blocks.delete(key);
      this.blocks.set(key, held);
      return Promise.resolve(held);
    }
    const shared = this.pending.get(key);
    if (shared) {
      this.stats.hits++;
      return shared;
    }
    this.stats.misses++;
    const offset = n * this.blockBytes;
    const length = Math.min(this.blockBytes, file.size - offset);
    const fetched = this.fetch(file, offset, length)
      .then((bytes) => {
        if (bytes.length !== length) throw new Error(`block ${n}: ${bytes.length} bytes, expected ${length}`);
        this.keep(key, bytes);
        return bytes;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, fetched);
    return fetched;
  }

  private async fetch(file: FileKey, offset: number, length: number): Promise<Buffer> {
    while (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      const bytes = await this.opts.fetch(file, offset, length);
      this.stats.bytesFetched += bytes.length;
      return bytes;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private keep(key: string, bytes: Buffer): void {
    if (bytes.length > this.opts.maxBytes) return;
    this.blocks.set(key, bytes);
    this.heldBytes += bytes.length;
    for (const [old, block] of this.blocks) {
      if (this.heldBytes <= this.opts.maxBytes) break;
      this.blocks.delete(old);
      this.heldBytes -= block.length;
    }
  }
}
