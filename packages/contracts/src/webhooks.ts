import { z } from 'zod';
import { isoDate } from './resources';

/**
 * Webhooks (issue 15): what a tenant's endpoint receives. Each delivery is a POST of
 * `{ id, type, created_at, data }` (WebhookPayload) with `Tributary-Signature: t=<unix seconds>,v1=<hex>`,
 * where v1 = HMAC-SHA256(secret, `${t}.${raw body}`). `id` is the event's: retries and redeliveries
 * carry the same one, so a receiver dedupes on it.
 */
export const WEBHOOK_EVENT_TYPES = [
  'live_stream.active',
  'live_stream.idle',
  'live_stream.disabled',
  'live_stream.deleted',
  'live_event.live',
  'live_event.ended',
  'live_event.cancelled',
  'asset.ready',
  'asset.errored',
  'usage.threshold',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** Request headers of every delivery. */
export const WebhookHeaders = {
  signature: 'tributary-signature',
  eventId: 'tributary-event-id',
  eventType: 'tributary-event-type',
} as const;

export const WebhookPayloadSchema = z.object({
  id: z.string(),
  type: WebhookEventTypeSchema,
  created_at: isoDate,
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export const WebhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(WebhookEventTypeSchema),
  enabled: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;
/** Returned on creation and on rotate-secret only: `secret` (whsec_…) is never shown again. */
export const CreatedWebhookEndpointSchema = WebhookEndpointSchema.extend({ secret: z.string() });

const url = z.string().trim().min(1).max(2048);
const events = z.array(WebhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length);
export const CreateWebhookEndpointInputSchema = z.strictObject({
  url,
  events,
  description: z.string().trim().max(200).default(''),
  enabled: z.boolean().default(true),
});
export const UpdateWebhookEndpointInputSchema = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: z.string().trim().max(200).optional(),
  enabled: z.boolean().optional(),
});

export const WebhookDeliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed']);
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: WebhookEventTypeSchema,
  subjectId: z.string(),
  status: WebhookDeliveryStatusSchema,
  attempts: z.number().int(),
  nextAttemptAt: isoDate.nullable(),
  lastAttemptAt: isoDate.nullable(),
  /** The receiver's HTTP status on the last attempt (null: no response). */
  responseStatus: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
  /** The start of the last response body (at most 1 KiB). */
  responseSnippet: z.string().nullable(),
  /** Why the last attempt failed (timeout, refused address, redirect, HTTP status). */
  error: z.string().nullable(),
  deliveredAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
