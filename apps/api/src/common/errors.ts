import { ErrorCode, errorCodeToHttpStatus } from '@tributary/contracts';

export { ErrorCode };
export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * The one error type services throw. It knows nothing of HTTP: the global
 * exception filter maps `code` to a status with contracts' errorCodeToHttpStatus
 * and writes the envelope.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. Retry-After on rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): number {
    return errorCodeToHttpStatus[this.code];
  }

  /** Deliberately the same for "absent" and "another tenant's" (no existence oracle). */
  static notFound(what: string): AppError {
    return new AppError(ErrorCode.notFound, `${what} not found`);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Prisma: can't reach / timed out / server closed the connection.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  // Postgres: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const CONNECTION_ERROR_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|Can't reach database|Too many connections|DatabaseNotReachable|ConnectionClosed|SocketTimeout/i;

/** True when `err` (or what it wraps) says the database cannot be reached: the request gets 503. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errorCode?: unknown;
    name?: unknown;
  };
  if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
  if (typeof e.errorCode === 'string' && CONNECTION_ERROR_CODES.has(e.errorCode)) return true;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.message === 'string' && CONNECTION_ERROR_MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
