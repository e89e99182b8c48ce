import { Inject, Injectable } from '@nestjs/common';
import type { EdgeAsset } from '@tributary/contracts';
import { AppError, ErrorCode } from '../../common/errors';
import { Database } from '../../database/database';
import { type AssetStorage, StorageUnavailableError } from '../assets/asset-storage';
import { ASSET_STORAGE } from '../assets/asset-storage.token';

/** What the source route needs of an asset beyond the contract's answer. */
interface PlayableAsset extends EdgeAsset {
  storageKey: string;
}

/**
 * The edge contract's on-demand half (issue 12): an asset by playback id, and its file's bytes by
 * range. The api is the storage gateway: edges never see storage keys or credentials, so every edge
 * plays every asset whatever the storage is. A suspended tenant's assets are not found, as for players.
 */
@Injectable()
export class EdgeAssetsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
  ) {}

  private async find(playbackId: string): Promise<PlayableAsset> {
    const row = await this.db.unscoped('edge contract: assets by playback id').asset.findUnique({
      where: { playbackId },
      include: { tenant: { select: { status: true } } },
    });
    if (row?.tenant.status !== 'active') throw AppError.notFound('asset');
    return {
      assetId: row.id,
      tenantId: row.tenantId,
      playbackId: row.playbackId,
      playbackPolicy: row.playbackPolicy,
      status: row.status,
      sizeBytes: Number(row.sizeBytes),
      updatedAt: row.updatedAt.toISOString(),
      storageKey: row.storageKey,
    };
  }

  async asset(playbackId: string): Promise<EdgeAsset> {
    const { storageKey: _, ...asset } = await this.find(playbackId);
    return asset;
  }

  /** A ready asset's size, and a reader of its bytes; 404 unless ready. */
  async source(
    playbackId: string,
  ): Promise<{ size: number; read: (start: number, end: number) => Promise<Buffer> }> {
    const asset = await this.find(playbackId);
    if (asset.status !== 'ready') throw AppError.notFound('asset');
    return {
      size: asset.sizeBytes,
      read: async (start, end) => {
        try {
          const file = await this.storage.open(asset.storageKey, asset.sizeBytes);
          try {
            const bytes = await file.read(start, end - start);
            return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
          } finally {
            await file.close();
          }
        } catch (err) {
          // The storage (S3) is down or refusing: the edge answers its viewer 503 and asks again later.
          if (err instanceof StorageUnavailableError)
            throw new AppError(ErrorCode.serviceUnavailable, `${err.message}; retry shortly`);
          throw err;
        }
      },
    };
  }
}
