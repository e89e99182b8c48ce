import type { ErrorEnvelope } from '@tributary/contracts';

type ErrorDetail = NonNullable<ErrorEnvelope['error']['details']>[number];

/**
 * The one error type of the dashboard's server layer: every failed api call (an error
 * envelope, an unreachable api, an answer that breaks the contract) becomes an ApiError
 * carrying the envelope's stable `code` and the fields it blames.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isUnauthenticated(): boolean {
    return this.status === 401;
  }
}
