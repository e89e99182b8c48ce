import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreatedWebhookEndpointSchema,
  CreateWebhookEndpointInputSchema,
  listOf,
  UpdateWebhookEndpointInputSchema,
  WebhookDeliverySchema,
  WebhookDeliveryStatusSchema,
  WebhookEndpointSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { WebhooksService } from './webhooks.service';

const DeliveriesQuery = ListQuery.extend({ status: WebhookDeliveryStatusSchema.optional() });

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: "List the tenant's webhook endpoints (never their secrets)",
    response: listOf(WebhookEndpointSchema),
  })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.webhooks.list(q);
  }

  @Post()
  @Access('tenant:write')
  @Idempotent()
  @ApiDoc({
    summary: 'Register a webhook endpoint; its signing secret is shown once',
    body: CreateWebhookEndpointInputSchema,
    response: CreatedWebhookEndpointSchema,
    status: 201,
  })
  create(
    @Body(new Zod(CreateWebhookEndpointInputSchema, 'body'))
    input: z.infer<typeof CreateWebhookEndpointInputSchema>,
  ) {
    return this.webhooks.create(input);
  }

  @Get(':id')
  @Access('tenant:read')
  @ApiDoc({ summary: 'Get a webhook endpoint', response: WebhookEndpointSchema })
  get(@Param('id') id: string) {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @Access('tenant:write')
  @ApiDoc({
    summary: 'Change URL, events, description, or enable/disable',
    body: UpdateWebhookEndpointInputSchema,
    response: WebhookEndpointSchema,
  })
  update(
    @Param('id') id: string,
    @Body(new Zod(UpdateWebhookEndpointInputSchema, 'body'))
    input: z.infer<typeof UpdateWebhookEndpointInputSchema>,
  ) {
    return this.webhooks.update(id, input);
  }

  @Delete(':id')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Delete a webhook endpoint (its pending deliveries go with it)', status: 204 })
  remove(@Param('id') id: string) {
    return this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @Access('tenant:write')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Replace the signing secret (shown once); deliveries from now on use it',
    response: CreatedWebhookEndpointSchema,
  })
  rotateSecret(@Param('id') id: string) {
    return this.webhooks.rotateSecret(id);
  }

  @Get(':id/deliveries')
  @Access('tenant:read')
  @ApiDoc({
    summary: 'The delivery log: status, attempts, last response status, latency and body snippet',
    response: listOf(WebhookDeliverySchema),
  })
  deliveries(
    @Param('id') id: string,
    @Query(new Zod(DeliveriesQuery, 'query')) q: z.infer<typeof DeliveriesQuery>,
  ) {
    return this.webhooks.deliveries(id, q);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @Access('tenant:write')
  @HttpCode(202)
  @ApiDoc({ summary: 'Send a delivery again (same event id)', response: WebhookDeliverySchema, status: 202 })
  redeliver(@Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
