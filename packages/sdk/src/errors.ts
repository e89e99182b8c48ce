import type { ErrorCode, ErrorEnvelope } from '@tributary/contracts';

export type ErrorDetail = NonNullable<ErrorEnvelope['error']['details']>[number];

/**
 * Codes the SDK gives failures that never reached an api answer, or whose answer it could not read. They
 * sit beside the api's own codes (contracts/errors.ts ErrorCode), so one `code` switch handles both.
 */
export const SdkErrorCode = {
  /** No answer within `timeoutMs` (status 0). */
  timeout: 'timeout',
  /** The request was aborted by the caller's `signal` (status 0). */
  aborted: 'aborted',
  /** The api could not be reached: DNS, refused connection, reset, CORS refusal in a browser (status 0). */
  networkError: 'network_error',
  /** The api answered outside its contract: a body its route's schema refuses, or an error without the envelope. */
  invalidResponse: 'invalid_response',
  /** The call was not sent: a missing path parameter, a query value that cannot be encoded (status 0). */
  invalidRequest: 'invalid_request',
  /** A pagination helper stopped: more pages or items than its bound, or a server repeating a cursor (status 0). */
  paginationLimit: 'pagination_limit',
} as const;
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/**
 * The one error every SDK call rejects with. `status` is the HTTP status (0 when no answer was read),
 * `code` the api's stable code (ErrorCode) or one of SdkErrorCode, `details` the fields the api blamed,
 * `route` the call (`liveStreams.get`, when known) and `requestId` the api's, to quote in a support request.
 */
export class TributaryError extends Error {
  readonly status: number;
  readonly code: ErrorCode | SdkErrorCode | (string & {});
  readonly details: ErrorDetail[];
  readonly requestId: string | undefined;
  readonly route: string | undefined;

  constructor(init: {
    status: number;
    code: TributaryError['code'];
    message: string;
    details?: ErrorDetail[];
    requestId?: string;
    route?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TributaryError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.requestId = init.requestId;
    this.route = init.route;
  }
}

/** True for a TributaryError (also across two copies of the SDK in one bundle, where instanceof fails). */
export function isTributaryError(err: unknown): err is TributaryError {
  return (
    err instanceof TributaryError || (err instanceof Error && err.name === 'TributaryError' && 'code' in err)
  );
}
