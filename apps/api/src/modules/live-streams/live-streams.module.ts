import { Module } from '@nestjs/common';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { EdgesModule } from '../edges/edges.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { LiveStreamsController } from './live-streams.controller';
import { LiveStreamsService } from './live-streams.service';

@Module({
  imports: [EdgesModule, ControlFeedModule, WebhooksModule],
  controllers: [LiveStreamsController],
  providers: [LiveStreamsService],
})
export class LiveStreamsModule {}
