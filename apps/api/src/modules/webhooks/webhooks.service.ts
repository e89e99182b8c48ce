import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateWebhookEndpointInputSchema,
  ErrorCode,
  type UpdateWebhookEndpointInputSchema,
  WEBHOOK_EVENT_TYPES,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { SecretBox } from '../../common/crypto/secret-box';
import { newSecret } from '../../common/crypto/tokens';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import { ownedByCurrentTenant } from '../../database/tenant-scope';
import type {
  WebhookDelivery as DeliveryRow,
  WebhookEndpoint as EndpointRow,
  WebhookEvent as EventRow,
} from '../../generated/prisma/client';
import { urlRefusal } from './outbound';
import { WebhookDispatcher, webhookSecretContext } from './webhook-dispatcher';

/** Webhook signing secrets: `whsec_` + 256 random bits. */
const SECRET_PREFIX = 'whsec';

const knownTypes = new Set<string>(WEBHOOK_EVENT_TYPES);

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events.filter((e): e is WebhookEventType => knownTypes.has(e)),
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toDelivery(row: DeliveryRow & { event: EventRow }): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.event.type as WebhookEventType,
    subjectId: row.subjectId,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    responseStatus: row.responseStatus,
    latencyMs: row.latencyMs,
    responseSnippet: row.responseSnippet,
    error: row.error,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

@Injectable()
export class WebhooksService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** A URL that is not http(s), or that names or resolves to a non-public address (unless allow-listed): 400. */
  private async checkUrl(url: string): Promise<void> {
    const why = await urlRefusal(url, this.dispatcher.policy);
    if (why)
      throw new AppError(ErrorCode.validationFailed, `url refused: ${why}`, [{ field: 'url', message: why }]);
  }

  private async find(id: string): Promise<EndpointRow> {
    const row = await this.db.tenant().webhookEndpoint.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('webhook');
    return row;
  }

  async list(q: ListQuery) {
    return toPage(await this.db.tenant().webhookEndpoint.findMany(pageArgs(q)), q, toEndpoint);
  }

  async get(id: string): Promise<WebhookEndpoint> {
    return toEndpoint(await this.find(id));
  }

  /** The secret is returned once; it is stored encrypted (the api signs with it). */
  async create(
    input: z.infer<typeof CreateWebhookEndpointInputSchema>,
  ): Promise<WebhookEndpoint & { secret: string }> {
    await this.checkUrl(input.url);
    const count = await this.db.tenant().webhookEndpoint.count();
    if (count >= this.config.TENANT_MAX_WEBHOOKS)
      throw new AppError(
        ErrorCode.quotaExceeded,
        `at most ${this.config.TENANT_MAX_WEBHOOKS} webhooks per tenant`,
      );
    const id = newId(IdPrefix.webhookEndpoint);
    const secret = newSecret(SECRET_PREFIX);
    const row = await this.db.tenant().webhookEndpoint.create({
      data: ownedByCurrentTenant({
        id,
        url: input.url,
        description: input.description,
        events: [...new Set(input.events)],
        enabled: input.enabled,
        secretEncrypted: this.secrets.encrypt(secret, webhookSecretContext(id)),
      }),
    });
    return { ...toEndpoint(row), secret };
  }

  async update(
    id: string,
    input: z.infer<typeof UpdateWebhookEndpointInputSchema>,
  ): Promise<WebhookEndpoint> {
    await this.find(id);
    if (input.url !== undefined) await this.checkUrl(input.url);
    await this.db.tenant().webhookEndpoint.updateMany({
      where: { id },
      data: {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    // Enabled again: what waited is due.
    if (input.enabled) this.dispatcher.wake();
    return this.get(id);
  }

  /** Its pending deliveries go with it. */
  async remove(id: string): Promise<void> {
    const { count } = await this.db.tenant().webhookEndpoint.deleteMany({ where: { id } });
    if (count === 0) throw AppError.notFound('webhook');
  }

  /** A new secret at once (returned once); deliveries from now on are signed with it. */
  async rotateSecret(id: string): Promise<WebhookEndpoint & { secret: string }> {
    await this.find(id);
    const secret = newSecret(SECRET_PREFIX);
    await this.db.tenant().webhookEndpoint.updateMany({
      where: { id },
      data: { secretEncrypted: this.secrets.encrypt(secret, webhookSecretContext(id)) },
    });
    return { ...(await this.get(id)), secret };
  }

  /** The delivery log, newest first; `status` filters. */
  async deliveries(endpointId: string, q: ListQuery & { status?: WebhookDelivery['status'] }) {
    await this.find(endpointId);
    const rows = await this.db.tenant().webhookDelivery.findMany({
      ...pageArgs(q),
      where: { endpointId, ...(q.status ? { status: q.status } : {}) },
      include: { event: true },
    });
    return toPage(rows, q, toDelivery);
  }

  /**
   * Sends a delivery's event again (same event id): a finished one goes to the back of its group's order
   * (after what is already pending for the same subject); a pending one that is waiting to retry is due now.
   * One in flight: 409.
   */
  async redeliver(endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.find(endpointId);
    const found = await this.db.tenant().webhookDelivery.findFirst({ where: { id: deliveryId, endpointId } });
    if (!found) throw AppError.notFound('delivery');
    if (found.status === 'pending' && found.leaseUntil && found.leaseUntil > new Date())
      throw new AppError(ErrorCode.conflict, 'this delivery is being sent right now');
    await this.db.tenant().$executeRaw`
      UPDATE "webhook_deliveries"
         SET "status" = 'pending', "nextAttemptAt" = now(), "leaseUntil" = NULL, "updatedAt" = now(),
             "seq" = CASE WHEN "status" = 'pending' THEN "seq" ELSE nextval('"webhook_deliveries_seq_seq"') END
       WHERE "id" = ${deliveryId} AND "endpointId" = ${endpointId}`;
    this.dispatcher.wake();
    const row = await this.db
      .tenant()
      .webhookDelivery.findFirst({ where: { id: deliveryId }, include: { event: true } });
    if (!row) throw AppError.notFound('delivery');
    return toDelivery(row);
  }
}
