import { type Readable, Transform } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  type Asset,
  assetPlaybackUrls,
  type PlaybackPolicy,
  PlaybackPolicySchema,
  type RecordingUploadQuery,
  type UpdateAssetInputSchema,
} from '@tributary/contracts';
import { indexMediaFile, MediaFileError } from '@tributary/media';
import type { Logger } from '@tributary/service-kit';
import type { z } from 'zod';
import { CONFIG, LOGGER } from '../../app.tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId, newPlaybackId } from '../../common/ids';
import { currentContext } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { Asset as AssetRow, Prisma } from '../../generated/prisma/client';
import { EdgesService } from '../edges/edges.service';
import { withinQuota } from '../tenants/quotas';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { type AssetStorage, StorageUnavailableError } from './asset-storage';
import { ASSET_STORAGE } from './asset-storage.token';

/** Files indexed at once by one api instance; the rest wait their turn (indexing reads the moov, CPU-light). */
const INDEXING_CONCURRENCY = 2;

/** The resource; `at` is the fleet's (or an edge's) RTMP server and HTTP base its playback URLs are under. */
export function toAsset(row: AssetRow, at: { rtmp: string; http: string }): Asset {
  return {
    id: row.id,
    name: row.name,
    playbackId: row.playbackId,
    playbackPolicy: row.playbackPolicy,
    status: row.status,
    error: row.error,
    source: row.source === 'recording' ? 'recording' : 'upload',
    liveStreamId: row.liveStreamId,
    sizeBytes: Number(row.sizeBytes),
    durationMs: row.durationMs,
    tracks: {
      video:
        row.videoCodec !== null
          ? {
              codec: row.videoCodec,
              width: row.width ?? 0,
              height: row.height ?? 0,
              frameRate: row.frameRate,
            }
          : null,
      audio:
        row.audioCodec !== null
          ? { codec: row.audioCodec, sampleRate: row.sampleRate ?? 0, channels: row.channels ?? 0 }
          : null,
    },
    playback: row.status === 'ready' ? assetPlaybackUrls(at.rtmp, at.http, row.playbackId) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * On-demand assets: stored first (under a temporary name until whole), then a row in `preparing`,
 * then indexed (packages/media vod/) to `ready` with its tracks and duration, or `errored` with the
 * reason. Assets still `preparing` when an api starts (it stopped mid-index) are indexed again.
 */
@Injectable()
export class AssetsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly queue: string[] = [];
  private running = 0;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EdgesService) private readonly edges: EdgesService,
    @Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox,
  ) {}

  /** Rows as resources, their playback URLs under the fleet's HTTP base (as live streams' are). */
  private async resources(rows: AssetRow[]): Promise<Asset[]> {
    const at = await this.edges.publicEndpoints();
    return rows.map((row) => toAsset(row, at));
  }

  private async resource(row: AssetRow): Promise<Asset> {
    return (await this.resources([row]))[0] as Asset;
  }

  async onApplicationBootstrap(): Promise<void> {
    const pending = await this.db
      .unscoped('assets left preparing by a stopped api')
      .asset.findMany({ where: { status: 'preparing' }, select: { id: true }, take: 10_000 });
    for (const { id } of pending) this.enqueue(id);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  async list(q: ListQuery & { liveStreamId?: string | undefined }) {
    const at = await this.edges.publicEndpoints();
    const rows = await this.db.tenant().asset.findMany({
      ...pageArgs(q),
      ...(q.liveStreamId ? { where: { liveStreamId: q.liveStreamId } } : {}),
    });
    return toPage(rows, q, (row) => toAsset(row, at));
  }

  private async find(id: string): Promise<AssetRow> {
    const row = await this.db.tenant().asset.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('asset');
    return row;
  }

  async get(id: string): Promise<Asset> {
    return this.resource(await this.find(id));
  }

  async update(id: string, input: z.infer<typeof UpdateAssetInputSchema>): Promise<Asset> {
    await this.find(id);
    return this.resource(await this.db.tenant().asset.update({ where: { id }, data: input }));
  }

  /** The row goes first (the asset stops being listed or played), then its file. */
  async remove(id: string): Promise<void> {
    const row = await this.find(id);
    const { count } = await this.db.tenant().asset.deleteMany({ where: { id } });
    if (count === 0) throw AppError.notFound('asset');
    await this.storage.remove(row.storageKey);
  }

  /**
   * Refuses early (before a byte is stored) when the tenant is already at its asset quota; the quota
   * is checked again, under the tenant's lock, when the row is created.
   */
  async checkRoom(): Promise<void> {
    await withinQuota(this.db, this.config, 'assets', async () => undefined);
  }

  /** A new storage key for an upload: the tenant's folder, a new asset id. */
  newUpload(): { id: string; storageKey: string } {
    const tenantId = currentContext()?.tenantId;
    if (!tenantId) throw AppError.notFound('tenant');
    const id = newId(IdPrefix.asset);
    return { id, storageKey: `${tenantId}/${id}/source` };
  }

  /** Stores an upload's file body under its key; resolves with the stored size. */
  store(storageKey: string, body: Readable, size?: number): Promise<number> {
    return this.storage.write(storageKey, body, size);
  }

  /**
   * A resumable upload's whole file (tus-uploads.ts): stored, then the same path as a multipart
   * upload's (createUploaded), or an errored asset when the storage failed.
   */
  async finishUpload(
    body: Readable,
    size: number,
    meta: { name?: string | undefined; playbackPolicy?: string | undefined },
  ): Promise<Asset> {
    const policy = PlaybackPolicySchema.safeParse(meta.playbackPolicy ?? 'public');
    if (!policy.success)
      throw new AppError(ErrorCode.validationFailed, 'playbackPolicy must be public or signed');
    const name = uploadName(meta.name);
    const upload = this.newUpload();
    let stored: number;
    try {
      stored = await this.store(upload.storageKey, body, size);
    } catch (err) {
      await this.discard(upload.storageKey).catch(() => {});
      if (err instanceof StorageUnavailableError)
        return this.createStorageFailed(
          { ...upload, sizeBytes: size },
          { name, playbackPolicy: policy.data },
          err,
        );
      throw err;
    }
    return this.createUploaded({ ...upload, sizeBytes: stored }, { name, playbackPolicy: policy.data });
  }

  /**
   * The upload reached the api whole but the storage did not keep it (a full disk, S3 down): an
   * `errored` asset with the reason, so the uploader sees what happened, and an error log line.
   */
  async createStorageFailed(
    upload: { id: string; storageKey: string; sizeBytes: number },
    meta: { name: string; playbackPolicy: PlaybackPolicy },
    err: StorageUnavailableError,
  ): Promise<Asset> {
    this.logger.error(
      { assetId: upload.id, storage: this.storage.kind, err: err.cause ?? err, reason: err.message },
      'asset storage failed',
    );
    const row = await withinQuota(this.db, this.config, 'assets', (tx, tenantId) =>
      tx.asset
        .create({
          data: {
            id: upload.id,
            tenantId,
            name: meta.name,
            playbackId: newPlaybackId(),
            playbackPolicy: meta.playbackPolicy,
            source: 'upload',
            storageKey: upload.storageKey,
            sizeBytes: BigInt(upload.sizeBytes),
            status: 'errored',
            error: `${err.message}; upload it again`,
          },
        })
        .then(async (created) => {
          await this.erroredEvent(tx, created);
          return created;
        }),
    );
    this.webhooks.committed();
    return this.resource(row);
  }

  /** asset.errored for an asset created errored (never indexed), in the transaction that creates it. */
  private erroredEvent(tx: Prisma.TransactionClient, row: AssetRow) {
    return this.webhooks.event(tx, {
      tenantId: row.tenantId,
      type: 'asset.errored',
      subjectId: row.id,
      data: {
        id: row.id,
        name: row.name,
        playbackId: row.playbackId,
        status: 'errored',
        liveStreamId: row.liveStreamId,
        error: row.error,
      },
    });
  }

  discard(storageKey: string): Promise<void> {
    return this.storage.remove(storageKey);
  }

  /** The stored file becomes an asset in `preparing`, and is indexed in the background. */
  async createUploaded(
    upload: { id: string; storageKey: string; sizeBytes: number },
    meta: { name: string; playbackPolicy: PlaybackPolicy },
  ): Promise<Asset> {
    const row = await withinQuota(this.db, this.config, 'assets', (tx, tenantId) =>
      tx.asset.create({
        data: {
          id: upload.id,
          tenantId,
          name: meta.name,
          playbackId: newPlaybackId(),
          playbackPolicy: meta.playbackPolicy,
          source: 'upload',
          storageKey: upload.storageKey,
          sizeBytes: BigInt(upload.sizeBytes),
        },
      }),
    );
    this.enqueue(row.id);
    return this.resource(row);
  }

  /**
   * A recording an edge hands over (apps/edge recording/): stored whole, then an asset of the stream's
   * tenant in `preparing` (indexed like an upload), named after the stream and the session's start. A
   * recording that failed at the edge becomes an `errored` asset with the reason, so the owner sees it.
   */
  async createRecording(
    edgeId: string,
    q: RecordingUploadQuery,
    body: Readable | undefined,
  ): Promise<{ assetId: string; playbackId: string }> {
    const prisma = this.db.unscoped('an edge hands over a recording');
    const stream = await prisma.liveStream.findUnique({ where: { id: q.liveStreamId } });
    if (!stream) throw AppError.notFound('live stream');
    if (q.sessionId) {
      const session = await prisma.ingestSession.findUnique({ where: { id: q.sessionId } });
      // Only the edge that carried the session hands over its recording.
      if (session?.edgeId !== edgeId || session.liveStreamId !== stream.id)
        throw AppError.notFound('session');
    }
    const id = newId(IdPrefix.asset);
    const storageKey = `${stream.tenantId}/${id}/source`;
    let sizeBytes = 0;
    let failed = q.failed ? `the recording failed at the edge (${q.failed.replace(/_/g, ' ')})` : undefined;
    if (!q.failed) {
      if (!body) throw new AppError(ErrorCode.badRequest, 'the recording has no body');
      try {
        sizeBytes = await this.storage.write(storageKey, capped(body, this.config.ASSET_MAX_RECORDING_BYTES));
      } catch (err) {
        if (!(err instanceof StorageUnavailableError)) throw err;
        body.unpipe();
        body.resume();
        // The storage, not the edge, failed: the recording is lost, loudly (an errored asset, a log line).
        this.logger.error(
          {
            assetId: id,
            liveStreamId: stream.id,
            storage: this.storage.kind,
            err: err.cause ?? err,
            reason: err.message,
          },
          'recording storage failed',
        );
        failed = `the recording could not be stored: ${err.message}`;
      }
    }
    try {
      const row = await withinQuota(
        this.db,
        this.config,
        'assets',
        async (tx, tenantId) => {
          const created = await tx.asset.create({
            data: {
              id,
              tenantId,
              name: `${stream.name} · ${q.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
              playbackId: newPlaybackId(),
              playbackPolicy: stream.playbackPolicy,
              source: 'recording',
              storageKey,
              sizeBytes: BigInt(sizeBytes),
              liveStreamId: stream.id,
              ...(failed ? { status: 'errored' as const, error: failed } : {}),
            },
          });
          if (failed) await this.erroredEvent(tx, created);
          return created;
        },
        stream.tenantId,
      );
      if (failed) this.webhooks.committed();
      else this.enqueue(row.id);
      return { assetId: row.id, playbackId: row.playbackId };
    } catch (err) {
      await this.storage.remove(storageKey);
      throw err;
    }
  }

  /** Resolves once no indexing is queued or running (tests, shutdown). */
  settled(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private enqueue(id: string): void {
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < INDEXING_CONCURRENCY && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      this.running++;
      void this.index(id).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          for (const resolve of this.idle) resolve();
          this.idle.clear();
        }
      });
    }
  }

  /** A preparing asset becomes ready or errored, with its webhook event in the same transaction. */
  private async settle(
    row: AssetRow,
    status: 'ready' | 'errored',
    data: Omit<Prisma.AssetUpdateManyMutationInput, 'status'>,
  ): Promise<void> {
    await this.db.unscoped('asset indexing').$transaction(async (tx) => {
      const { count } = await tx.asset.updateMany({
        where: { id: row.id, status: 'preparing' },
        data: { ...data, status },
      });
      if (count > 0)
        await this.webhooks.event(tx, {
          tenantId: row.tenantId,
          type: status === 'ready' ? 'asset.ready' : 'asset.errored',
          subjectId: row.id,
          data: {
            id: row.id,
            name: row.name,
            playbackId: row.playbackId,
            status,
            liveStreamId: row.liveStreamId,
            ...(status === 'errored'
              ? { error: data.error ?? null }
              : { durationMs: data.durationMs ?? null }),
          },
        });
    });
    this.webhooks.committed();
  }

  /** Indexes one asset's file: `ready` with what the index found, or `errored` with why. */
  private async index(id: string): Promise<void> {
    const assets = this.db.unscoped('asset indexing').asset;
    const row = await assets.findUnique({ where: { id } });
    if (row?.status !== 'preparing') return;
    let file: Awaited<ReturnType<AssetStorage['open']>> | undefined;
    try {
      file = await this.storage.open(row.storageKey, Number(row.sizeBytes));
      const index = await indexMediaFile(file);
      await this.settle(row, 'ready', {
        error: null,
        durationMs: index.durationMs,
        videoCodec: index.video?.codec ?? null,
        width: index.video?.width ?? null,
        height: index.video?.height ?? null,
        frameRate: index.video?.frameRate ?? null,
        audioCodec: index.audio?.codec ?? null,
        sampleRate: index.audio?.sampleRate ?? null,
        channels: index.audio?.channels ?? null,
      });
      this.logger.info(
        { assetId: id, durationMs: index.durationMs, samples: index.samples.count },
        'asset ready',
      );
    } catch (err) {
      const reason =
        err instanceof MediaFileError
          ? err.message
          : err instanceof StorageUnavailableError
            ? `${err.message}; upload it again`
            : 'the stored file could not be read; upload it again';
      if (!(err instanceof MediaFileError)) this.logger.error({ assetId: id, err }, 'asset indexing failed');
      else this.logger.info({ assetId: id, code: err.code, reason }, 'asset refused');
      await this.settle(row, 'errored', { error: reason });
    } finally {
      await file?.close();
    }
  }
}

/** An uploader's name for the asset, trimmed and bounded; `upload` when none. */
export function uploadName(given: string | undefined): string {
  return (given ?? 'upload').trim().slice(0, 200) || 'upload';
}

/** `body`, failing once more than `max` bytes went through (the write then keeps nothing). */
function capped(body: Readable, max: number): Readable {
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max)
        done(new AppError(ErrorCode.payloadTooLarge, `the recording is larger than ${max} bytes`));
      else done(null, chunk);
    },
  });
  body.on('error', (err) => limit.destroy(err));
  return body.pipe(limit);
}
