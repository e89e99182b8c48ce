import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { LiveEventRunner } from './live-event-runner';
import { LiveEventsController } from './live-events.controller';
import { LiveEventsService } from './live-events.service';

@Module({
  imports: [WebhooksModule],
  controllers: [LiveEventsController],
  providers: [LiveEventsService, LiveEventRunner],
  exports: [LiveEventRunner],
})
export class LiveEventsModule {}
