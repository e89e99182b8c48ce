import { Module } from '@nestjs/common';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { EdgesModule } from '../edges/edges.module';
import { assetStorageRoot, LocalAssetStorage } from './asset-storage';
import { ASSET_STORAGE } from './asset-storage.token';
import { AssetsController } from './assets.controller';
import { AssetsService } from './assets.service';
import { RecordingsController } from './recordings.controller';

/** Exports the storage: the edge contract (edge-api/) serves asset files to edges by range. */
@Module({
  imports: [EdgesModule],
  controllers: [AssetsController, RecordingsController],
  providers: [
    AssetsService,
    {
      provide: ASSET_STORAGE,
      inject: [CONFIG],
      useFactory: (config: ApiConfig) => new LocalAssetStorage(assetStorageRoot(config)),
    },
  ],
  exports: [ASSET_STORAGE],
})
export class AssetsModule {}
