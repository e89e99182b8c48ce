import type { z } from 'zod';
import { ListQuerySchema, listOf } from '../resources';
import {
  CreatedWebhookEndpointSchema,
  CreateWebhookEndpointInputSchema,
  UpdateWebhookEndpointInputSchema,
  WebhookDeliverySchema,
  WebhookDeliveryStatusSchema,
  WebhookEndpointSchema,
} from '../webhooks';
import { type RouteGroup, route } from './route';

/** GET /v1/webhooks/{id}/deliveries: a page of the log, optionally one status. */
export const WebhookDeliveryListQuerySchema = ListQuerySchema.extend({
  status: WebhookDeliveryStatusSchema.optional(),
});
export type WebhookDeliveryListQuery = z.input<typeof WebhookDeliveryListQuerySchema>;

const tag = 'webhooks';

export const webhookRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/webhooks',
    summary: "List the tenant's webhook endpoints (never their secrets)",
    tag,
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(WebhookEndpointSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/webhooks',
    summary: 'Register a webhook endpoint; its signing secret is shown once',
    tag,
    access: 'tenant:write',
    body: CreateWebhookEndpointInputSchema,
    response: CreatedWebhookEndpointSchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/webhooks/{id}',
    summary: 'Get a webhook endpoint',
    tag,
    access: 'tenant:read',
    response: WebhookEndpointSchema,
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    summary: 'Change URL, events, description, or enable/disable',
    tag,
    access: 'tenant:write',
    body: UpdateWebhookEndpointInputSchema,
    response: WebhookEndpointSchema,
    status: 200,
  }),
  delete: route({
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook endpoint (its pending deliveries go with it)',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
  rotateSecret: route({
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    summary: 'Replace the signing secret (shown once); deliveries from now on use it',
    tag,
    access: 'tenant:write',
    response: CreatedWebhookEndpointSchema,
    status: 200,
  }),
  listDeliveries: route({
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    summary: 'The delivery log: status, attempts, last response status, latency and body snippet',
    tag,
    access: 'tenant:read',
    query: WebhookDeliveryListQuerySchema,
    response: listOf(WebhookDeliverySchema),
    status: 200,
  }),
  redeliver: route({
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    summary: 'Send a delivery again (same event id)',
    tag,
    access: 'tenant:write',
    response: WebhookDeliverySchema,
    status: 202,
  }),
} as const satisfies RouteGroup;
