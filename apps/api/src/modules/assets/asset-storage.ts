import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RandomAccessSource } from '@tributary/media';

/** An asset's bytes, opened for range reads (indexing now, edges' playback later). */
export interface StoredFile extends RandomAccessSource {
  close(): Promise<void>;
}

/**
 * The storage itself failed (a full disk, an unreachable or refusing S3), as opposed to the body
 * being cut off: the upload reached the api whole, so its asset becomes `errored` with this reason.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/**
 * Where asset files live. Keys are the api's own (tenant and asset ids), never an uploader's file
 * name. A write lands under a temporary name (or as one atomic object) and appears once complete, so
 * nothing half-written is ever read as an asset.
 */
export interface AssetStorage {
  /** Which backend, for logs and docs. */
  readonly kind: 'local' | 's3';
  /**
   * Streams `body` to `key`; resolves with its size, rejects (and keeps nothing) on error or abort,
   * with a StorageUnavailableError when the storage (not the body) failed. `size`, when known, lets a
   * backend skip spooling.
   */
  write(key: string, body: Readable, size?: number): Promise<number>;
  /** `size`, when the caller knows it (the asset row), saves a round trip. */
  open(key: string, size?: number): Promise<StoredFile>;
  /** Size of what is stored at `key`, or null. */
  head(key: string): Promise<number | null>;
  /** Removes `key` and everything stored under its prefix; missing is fine. */
  remove(key: string): Promise<void>;
}

/** Local disk (DATA_DIR/assets by default): one file per key under the root. */
export class LocalAssetStorage implements AssetStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    // Keys are made by the api, but a path outside the root is refused whatever made it.
    if (!path.startsWith(this.root + sep)) throw new Error(`storage key escapes the root: ${key}`);
    return path;
  }

  readonly kind = 'local' as const;

  async write(key: string, body: Readable): Promise<number> {
    const path = this.path(key);
    const part = `${path}.part`;
    let diskFailed: unknown;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((err) => {
        diskFailed = err;
        throw err;
      });
      const out = createWriteStream(part, { mode: 0o600 });
      out.once('error', (err) => {
        diskFailed ??= err;
      });
      await pipeline(body, out);
      await rename(part, path).catch((err) => {
        diskFailed = err;
        throw err;
      });
    } catch (err) {
      await rm(part, { force: true });
      if (diskFailed !== undefined)
        throw new StorageUnavailableError(
          `the asset storage could not write the file (${(diskFailed as NodeJS.ErrnoException).code ?? (diskFailed as Error).message})`,
          { cause: diskFailed },
        );
      throw err;
    }
    return (await stat(path)).size;
  }

  async head(key: string): Promise<number | null> {
    try {
      return (await stat(this.path(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async open(key: string): Promise<StoredFile> {
    const fh = await open(this.path(key), 'r');
    const { size } = await fh.stat();
    return {
      size,
      async read(offset: number, length: number) {
        const n = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.allocUnsafe(n);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
      close: () => fh.close(),
    };
  }

  async remove(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    await rm(`${path}.part`, { force: true });
    // The asset's folder (tenant/asset), if now empty.
    await rm(dirname(path), { recursive: true, force: true });
  }
}

/** The storage root: ASSET_STORAGE_DIR, or DATA_DIR/assets. */
export function assetStorageRoot(config: { ASSET_STORAGE_DIR?: string; DATA_DIR: string }): string {
  return config.ASSET_STORAGE_DIR ?? join(config.DATA_DIR, 'assets');
}
