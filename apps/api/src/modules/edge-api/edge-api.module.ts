import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { EdgesModule } from '../edges/edges.module';
import { LiveEventsModule } from '../live-events/live-events.module';
import { PlaybackModule } from '../playback/playback.module';
import { UsageModule } from '../usage/usage.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { EdgeApiController } from './edge-api.controller';
import { EdgeApiService } from './edge-api.service';
import { EdgeAssetsService } from './edge-assets.service';

@Module({
  imports: [
    EdgesModule,
    PlaybackModule,
    ControlFeedModule,
    AssetsModule,
    WebhooksModule,
    LiveEventsModule,
    UsageModule,
  ],
  controllers: [EdgeApiController],
  providers: [EdgeApiService, EdgeAssetsService],
})
export class EdgeApiModule {}
