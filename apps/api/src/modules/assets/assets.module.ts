import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { EdgesModule } from '../edges/edges.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { type AssetStorage, assetStorageRoot, LocalAssetStorage } from './asset-storage';
import { ASSET_STORAGE } from './asset-storage.token';
import { AssetsController } from './assets.controller';
import { AssetsService } from './assets.service';
import { RecordingsController } from './recordings.controller';
import { S3AssetStorage } from './s3-asset-storage';
import { TusUploads } from './tus-uploads';
import { UploadsController } from './uploads.controller';

/** ASSET_STORAGE picks the backend: local disk (the default) or an S3-compatible bucket. */
export function createAssetStorage(config: ApiConfig): AssetStorage {
  if (config.ASSET_STORAGE === 's3')
    return new S3AssetStorage({
      bucket: config.S3_BUCKET as string,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      spoolDir: join(config.DATA_DIR, 'spool'),
    });
  return new LocalAssetStorage(assetStorageRoot(config));
}

/**
 * Exports the storage: the edge contract (edge-api/) serves asset files to edges by range.
 * UploadsController comes first so /v1/assets/uploads is not taken for an asset id.
 */
@Module({
  imports: [EdgesModule, WebhooksModule],
  controllers: [UploadsController, AssetsController, RecordingsController],
  providers: [
    AssetsService,
    TusUploads,
    {
      provide: ASSET_STORAGE,
      inject: [CONFIG],
      useFactory: createAssetStorage,
    },
  ],
  exports: [ASSET_STORAGE],
})
export class AssetsModule {}
