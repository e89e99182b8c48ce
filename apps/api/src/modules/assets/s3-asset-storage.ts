import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AssetStorage, StorageUnavailableError, type StoredFile } from './asset-storage';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Bodies of unknown length are spooled here first (S3 needs a length for one PutObject). */
  spoolDir: string;
  /** Per S3 request; a storage that stops answering fails the upload instead of holding it. */
  requestTimeoutMs?: number;
}

/** Largest object one PutObject may store (S3's own limit). */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * S3-compatible object storage (AWS S3, MinIO, Ceph, R2, s3rver) through the official AWS SDK v3.
 * One object per key in one bucket. An object appears only when its PutObject completes, so a
 * half-sent file is never read. Edges keep reading through the api's /source (Range), which reads
 * ranges here with GetObject: storage credentials stay in the api and every edge plays every asset.
 */
export class S3AssetStorage implements AssetStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly spoolDir: string;
  private readonly spoolSwept: Promise<void>;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.spoolDir = options.spoolDir;
    // Spool files of a process that stopped mid-write are leftovers: nothing refers to them.
    this.spoolSwept = rm(this.spoolDir, { recursive: true, force: true }).catch(() => {});
    const timeout = options.requestTimeoutMs ?? 30_000;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      maxAttempts: 3,
      // Checksums only where S3 requires them: self-hosted S3 servers do not all know the newer
      // streaming-checksum encodings.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: Math.min(timeout, 5_000), requestTimeout: timeout },
    });
  }

  async write(key: string, body: Readable, size?: number): Promise<number> {
    if (size !== undefined) {
      await this.put(key, body, size);
      return size;
    }
    // Unknown length (a multipart form, a chunked recording): spooled to local disk first, bounded by
    // what the caller already caps, then stored in one request.
    await this.spoolSwept;
    await mkdir(this.spoolDir, { recursive: true, mode: 0o700 });
    const spool = join(this.spoolDir, `${randomBytes(12).toString('hex')}.spool`);
    try {
      await pipeline(body, createWriteStream(spool, { mode: 0o600 }));
      const spooled = (await stat(spool)).size;
      await this.put(key, createReadStream(spool), spooled);
      return spooled;
    } finally {
      await rm(spool, { force: true });
    }
  }

  private async put(key: string, body: Readable, size: number): Promise<void> {
    if (size > MAX_PUT_BYTES)
      throw new StorageUnavailableError(
        `the file is larger than ${MAX_PUT_BYTES} bytes, S3's one-request limit`,
      );
    let bodyFailed: unknown;
    body.once('error', (err) => {
      bodyFailed = err;
    });
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size }),
      );
    } catch (err) {
      body.destroy();
      if (bodyFailed !== undefined) throw bodyFailed;
      throw new StorageUnavailableError(`the S3 storage did not store the file (${describe(err)})`, {
        cause: err,
      });
    }
  }

  async head(key: string): Promise<number | null> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return h.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new StorageUnavailableError(`the S3 storage did not answer (${describe(err)})`, { cause: err });
    }
  }

  async open(key: string, knownSize?: number): Promise<StoredFile> {
    const size = knownSize ?? (await this.head(key));
    if (size === null) throw Object.assign(new Error(`no object at ${key}`), { code: 'ENOENT' });
    const { client, bucket } = this;
    return {
      size,
      async read(offset: number, length: number) {
        const n = Math.max(0, Math.min(length, size - offset));
        if (n === 0) return Buffer.alloc(0);
        try {
          const got = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-${offset + n - 1}` }),
          );
          const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
          // A storage that answers more than asked (ignoring Range) is cut to the range asked for.
          return bytes.length > n ? bytes.subarray(0, n) : bytes;
        } catch (err) {
          throw new StorageUnavailableError(`the S3 storage did not answer a read (${describe(err)})`, {
            cause: err,
          });
        }
      },
      close: async () => {},
    };
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw new StorageUnavailableError(`the S3 storage did not delete the file (${describe(err)})`, {
        cause: err,
      });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NotFound')
  );
}

/** A short reason for logs and an errored asset: the S3 error code, or the connection error's. */
function describe(err: unknown): string {
  if (err instanceof S3ServiceException) return `${err.name}, HTTP ${err.$metadata.httpStatusCode ?? '?'}`;
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? (err as Error).message ?? String(err);
}
