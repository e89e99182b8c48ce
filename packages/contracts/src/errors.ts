import { z } from 'zod';

/**
 * The one error envelope of the REST API (api → customers, edge, dashboard).
 * Every non-2xx response body has this shape; `code` is stable and documented,
 * `message` says what to do, `details` names the offending fields.
 */
export const ErrorCode = {
  badRequest: 'bad_request',
  validationFailed: 'validation_failed',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  rateLimited: 'rate_limited',
  quotaExceeded: 'quota_exceeded',
  idempotencyConflict: 'idempotency_conflict',
  serviceUnavailable: 'service_unavailable',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorCodeToHttpStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  quota_exceeded: 422,
  idempotency_conflict: 409,
  service_unavailable: 503,
  internal_error: 500,
};

export const ErrorDetailSchema = z.object({ field: z.string(), message: z.string() });
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetailSchema).optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
