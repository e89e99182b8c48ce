import { ErrorCode, errorCodeToHttpStatus } from '@tributary/contracts';

/**
 * The one error type of the HTTP playback layer: each becomes the contracts error envelope
 * (`{ error: { code, message } }`) with the status of its code.
 */
export class PlaybackHttpError extends Error {
  override readonly name = 'PlaybackHttpError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = errorCodeToHttpStatus[code];
  }
}

/**
 * Token refusals that a fresh token cures are 401 (no credential, or one that is not valid at all:
 * the player should get a new one); a valid token that does not grant this stream, or a stream that is
 * full, is 403 (retrying with a fresh token of the same kind will not help). Throttled clients get 429.
 */
const UNAUTHENTICATED_RESULTS: ReadonlySet<string> = new Set([
  'token_missing',
  'token_malformed',
  'token_unknown_key',
  'token_bad_signature',
  'token_expired',
]);

/** Maps an Authorizer refusal (its `result`) to the HTTP error the player gets. */
export function playRefusal(result: string, description: string): PlaybackHttpError {
  if (result === 'bad_name') return new PlaybackHttpError(ErrorCode.notFound, description);
  if (result === 'throttled') return new PlaybackHttpError(ErrorCode.rateLimited, description);
  if (UNAUTHENTICATED_RESULTS.has(result))
    return new PlaybackHttpError(ErrorCode.unauthenticated, description);
  return new PlaybackHttpError(ErrorCode.forbidden, description);
}
