import { Module } from '@nestjs/common';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { assetStorageRoot, LocalAssetStorage } from './asset-storage';
import { ASSET_STORAGE } from './asset-storage.token';
import { AssetsController } from './assets.controller';
import { AssetsService } from './assets.service';

@Module({
  controllers: [AssetsController],
  providers: [
    AssetsService,
    {
      provide: ASSET_STORAGE,
      inject: [CONFIG],
      useFactory: (config: ApiConfig) => new LocalAssetStorage(assetStorageRoot(config)),
    },
  ],
})
export class AssetsModule {}
