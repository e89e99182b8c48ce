import { Module } from '@nestjs/common';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { EdgesModule } from '../edges/edges.module';
import { PlaybackModule } from '../playback/playback.module';
import { EdgeApiController } from './edge-api.controller';
import { EdgeApiService } from './edge-api.service';

@Module({
  imports: [EdgesModule, PlaybackModule, ControlFeedModule],
  controllers: [EdgeApiController],
  providers: [EdgeApiService],
})
export class EdgeApiModule {}
