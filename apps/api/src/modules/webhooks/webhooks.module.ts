import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhooks: endpoints (REST), the outbox every event goes through, and the dispatcher that delivers them. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookDispatcher, WebhookOutbox, WebhooksService],
  exports: [WebhookOutbox],
})
export class WebhooksModule {}
