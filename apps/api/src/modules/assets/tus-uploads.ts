import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@tributary/service-kit';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import { CONFIG, LOGGER } from '../../app.tokens';
import { AppError } from '../../common/errors';
import { currentContext } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AssetsService } from './assets.service';

/** Where tus uploads are mounted (the tus protocol's creation URL). */
export const TUS_PATH = '/v1/assets/uploads';
/** The final PATCH's answer names the asset the upload became. */
export const ASSET_ID_HEADER = 'Asset-Id';
/** Metadata values (`name`, `filename`) longer than this are refused at creation. */
const MAX_METADATA_VALUE = 200;
const MAX_METADATA_KEYS = 8;

/**
 * Upload ids: the tenant's id, a dot (never in a tenant id: base64url), 16 random bytes in hex. The
 * tenant is part of the id, so a request naming another tenant's upload is refused before the store
 * is read (404, like an id that never existed), and a tenant's open uploads are counted by prefix.
 */
const UPLOAD_ID = /^(tn_[A-Za-z0-9_-]{1,64})\.([0-9a-f]{32})$/;

export function uploadIdTenant(id: string | undefined): string | undefined {
  return id ? UPLOAD_ID.exec(id)?.[1] : undefined;
}

/** The tus protocol's error shape (@tus/server turns a thrown one into the response). */
function tusError(status_code: number, body: string): { status_code: number; body: string } {
  return { status_code, body: `${body}\n` };
}

/**
 * Resumable uploads (tus 1.0.0: creation, creation-with-upload, HEAD offsets, PATCH, termination,
 * expiration) with @tus/server over @tus/file-store. Bytes of an unfinished upload stay under
 * ASSET_UPLOAD_DIR and are never served (GET is refused); once the last byte arrives the file goes
 * through AssetsService.finishUpload, the same path as a multipart upload after its bytes arrived
 * (stored, a row in `preparing`, indexed), and the tus upload is removed.
 */
@Injectable()
export class TusUploads implements OnModuleInit, OnApplicationShutdown {
  private server!: Server;
  private store!: FileStore;
  private sweeper: NodeJS.Timeout | undefined;
  readonly directory: string;

  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.directory = config.ASSET_UPLOAD_DIR ?? join(config.DATA_DIR, 'uploads');
  }

  onModuleInit(): void {
    const expiryMs = this.config.ASSET_UPLOAD_EXPIRY_SECONDS * 1000;
    this.store = new FileStore({ directory: this.directory, expirationPeriodInMilliseconds: expiryMs });
    this.server = new Server({
      path: TUS_PATH,
      datastore: this.store,
      maxSize: this.config.ASSET_MAX_UPLOAD_BYTES,
      relativeLocation: true,
      respectForwardedHeaders: false,
      allowedOrigins: this.config.CORS_ORIGINS,
      allowedCredentials: true,
      allowedHeaders: ['Authorization', 'X-Tenant-Id'],
      exposedHeaders: [ASSET_ID_HEADER],
      disableTerminationForFinishedUploads: true,
      namingFunction: () => `${this.tenant()}.${randomBytes(16).toString('hex')}`,
      onIncomingRequest: async (req, id) => {
        // Any request naming an upload: only the tenant's own (another's answers as an unknown id).
        if (req.method !== 'POST' && uploadIdTenant(id) !== this.tenant())
          throw tusError(404, 'upload not found');
      },
      onUploadCreate: async (_req, upload) => this.admit(upload),
      onUploadFinish: async (_req, upload) => {
        const assetId = await this.finish(upload);
        return { headers: { [ASSET_ID_HEADER]: assetId } };
      },
      onResponseError: async (_req, err) => {
        if (err instanceof AppError) return { status_code: err.status, body: `${err.message}\n` };
        return undefined;
      },
    });
    // Unfinished uploads past their expiry are swept (their bytes and info removed).
    const every = Math.min(Math.max(Math.floor(expiryMs / 4), 1000), 10 * 60 * 1000);
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Hands one request (any tus method under TUS_PATH) to the tus server. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.server.handle(req, res);
  }

  /** Removes expired unfinished uploads; resolves with how many. */
  async sweep(): Promise<number> {
    try {
      const removed = await this.server.cleanUpExpiredUploads();
      if (removed > 0) this.logger.info({ removed }, 'expired resumable uploads removed');
      return removed;
    } catch (err) {
      this.logger.warn({ err }, 'sweeping expired resumable uploads failed');
      return 0;
    }
  }

  private tenant(): string {
    const tenantId = currentContext()?.tenantId;
    // The routes' access (tenant:write, routes.assetUploads) guarantees one; refuse rather than name an upload without.
    if (!tenantId) throw tusError(404, 'tenant not found');
    return tenantId;
  }

  /** At creation: a known length, short metadata, room in the asset quota and in open uploads. */
  private async admit(upload: Upload): Promise<{ metadata?: Record<string, string | null> }> {
    if (upload.sizeIsDeferred)
      throw tusError(400, 'Upload-Length is required (deferred lengths are not accepted)');
    if (upload.size === 0) throw tusError(400, 'the file is empty');
    const metadata = upload.metadata ?? {};
    if (Object.keys(metadata).length > MAX_METADATA_KEYS)
      throw tusError(400, `at most ${MAX_METADATA_KEYS} Upload-Metadata keys`);
    for (const [k, v] of Object.entries(metadata))
      if ((v ?? '').length > MAX_METADATA_VALUE)
        throw tusError(400, `Upload-Metadata ${k} is longer than ${MAX_METADATA_VALUE} characters`);
    if (metadata.playbackPolicy && !['public', 'signed'].includes(metadata.playbackPolicy))
      throw tusError(422, 'playbackPolicy must be public or signed');
    try {
      await this.assets.checkRoom();
    } catch (err) {
      if (err instanceof AppError) throw tusError(err.status, err.message);
      throw err;
    }
    const open = await this.openUploads(this.tenant());
    if (open >= this.config.TENANT_MAX_OPEN_UPLOADS)
      throw tusError(
        429,
        `${open} resumable uploads are open (the limit is ${this.config.TENANT_MAX_OPEN_UPLOADS}): finish or terminate one first`,
      );
    return {};
  }

  /** A tenant's unfinished uploads: their info files under the upload directory. */
  private async openUploads(tenantId: string): Promise<number> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(`${tenantId}.`) && n.endsWith('.json')).length;
  }

  /** The whole file becomes an asset (or an errored one, if the storage failed); the upload is removed. */
  private async finish(upload: Upload): Promise<string> {
    const size = upload.size ?? upload.offset;
    const metadata = upload.metadata ?? {};
    try {
      const asset = await this.assets.finishUpload(this.store.read(upload.id), size, {
        name: metadata.name ?? metadata.filename ?? undefined,
        playbackPolicy: metadata.playbackPolicy ?? undefined,
      });
      return asset.id;
    } catch (err) {
      if (err instanceof AppError) throw tusError(err.status, err.message);
      throw err;
    } finally {
      await this.store.remove(upload.id).catch((err) => {
        this.logger.warn({ err, uploadId: upload.id }, 'removing a finished resumable upload failed');
      });
    }
  }
}
