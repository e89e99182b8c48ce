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
 * Where asset files live. Keys are the api's own (tenant and asset ids), never an uploader's file
 * name. A write lands under a temporary name and is renamed into place once complete, so nothing
 * half-written is ever read as an asset.
 */
export interface AssetStorage {
  /** Streams `body` to `key`; resolves with its size, rejects (and keeps nothing) on error or abort. */
  write(key: string, body: Readable): Promise<number>;
  open(key: string): Promise<StoredFile>;
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

  async write(key: string, body: Readable): Promise<number> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const part = `${path}.part`;
    try {
      await pipeline(body, createWriteStream(part, { mode: 0o600 }));
      await rename(part, path);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return (await stat(path)).size;
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
