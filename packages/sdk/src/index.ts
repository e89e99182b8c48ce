/**
 * @tributary/sdk: the typed client of the Tributary REST API, derived from the route table in
 * @tributary/contracts. No Node built-ins: it needs fetch, URL, TextEncoder and Web Crypto only, so it runs
 * in Node 20+ and in browsers alike.
 */

/** The secret fields an idempotent replay leaves out (the api's list, from the contracts). */
export { IDEMPOTENT_REPLAY_SECRET_FIELDS } from '@tributary/contracts';
export { type ClientOptions, createClient, DEFAULT_TIMEOUT_MS } from './client';
export { type ErrorDetail, isTributaryError, SdkErrorCode, TributaryError } from './errors';
export {
  DEFAULT_MAX_ITEMS,
  DEFAULT_MAX_PAGES,
  type ListAllOptions,
  listAll,
  type Page,
  type PageOptions,
  pages,
  paginate,
} from './pagination';
export { encodeQuery, type QueryScalar, type QueryValue } from './query';
export { createTributary, Tributary, type TributaryOptions, type TributaryRoutes } from './tributary';
export type {
  CallArgs,
  CallOptions,
  CallParams,
  CallResult,
  Client,
  Endpoint,
  QueryInput,
  RawBody,
  Replayable,
} from './types';
export {
  constantTimeEqual,
  DEFAULT_TOLERANCE_SECONDS,
  parseWebhookEvent,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  WebhookSignatureError,
  type WebhookSignatureFailure,
} from './webhooks';
