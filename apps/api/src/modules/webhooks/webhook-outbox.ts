import { Inject, Injectable } from '@nestjs/common';
import type { WebhookEventType } from '@tributary/contracts';
import { IdPrefix, newId } from '../../common/ids';
import type { PrismaClient } from '../../generated/prisma/client';
import { WebhookDispatcher } from './webhook-dispatcher';

export interface WebhookEventInput {
  tenantId: string;
  type: WebhookEventType;
  /** The live stream or asset: one endpoint receives one subject's events in order. */
  subjectId: string;
  data: Record<string, unknown>;
}

type RawExecutor = Pick<PrismaClient, '$executeRaw'>;

/**
 * The one place webhook events are emitted. `event()` is a statement for the transaction that makes the
 * change (an outbox): the event and one delivery per enabled endpoint subscribed to its type are written
 * with the change or not at all, so an api that stops right after loses nothing; nothing is written when
 * no endpoint wants the type. `committed()` after the commit wakes the dispatcher (its sweep finds them
 * anyway within a second). Delivery never runs in the request.
 */
@Injectable()
export class WebhookOutbox {
  constructor(@Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher) {}

  event(tx: RawExecutor, e: WebhookEventInput) {
    const id = newId(IdPrefix.webhookEvent);
    const data = JSON.stringify(e.data);
    return tx.$executeRaw`
      WITH endpoints AS (
        SELECT id FROM "webhook_endpoints"
        WHERE "tenantId" = ${e.tenantId} AND "enabled" AND ${e.type} = ANY("events")
      ), ev AS (
        INSERT INTO "webhook_events" ("id", "tenantId", "type", "subjectId", "data")
        SELECT ${id}, ${e.tenantId}, ${e.type}, ${e.subjectId}, ${data}::jsonb
        WHERE EXISTS (SELECT 1 FROM endpoints)
        RETURNING "id"
      )
      INSERT INTO "webhook_deliveries" ("id", "tenantId", "endpointId", "eventId", "subjectId", "updatedAt")
      SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), ${e.tenantId}, endpoints.id, ev."id", ${e.subjectId}, now()
      FROM endpoints CROSS JOIN ev`;
  }

  committed(): void {
    this.dispatcher.wake();
  }
}
