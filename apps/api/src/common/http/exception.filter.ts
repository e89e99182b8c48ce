import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { ErrorCode, type ErrorEnvelope } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import type { Request, Response } from 'express';
import { LOGGER } from '../../app.tokens';
import { AppError, isDatabaseUnavailable } from '../errors';
import { currentContext } from '../request-context';
import { REQUEST_ID_HEADER } from './request-context.middleware';

/** Nest's own HttpExceptions (unknown route, wrong method) by status. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.badRequest,
  401: ErrorCode.unauthenticated,
  403: ErrorCode.forbidden,
  404: ErrorCode.notFound,
  405: ErrorCode.notFound,
  409: ErrorCode.conflict,
  413: ErrorCode.payloadTooLarge,
  429: ErrorCode.rateLimited,
  503: ErrorCode.serviceUnavailable,
};

/**
 * The one exception filter: every error leaves as the contracts envelope with
 * the request id. Unknown errors are a bare 500 whose details stay in the log.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const ctx = currentContext();
    const logger = ctx?.logger ?? this.logger;
    const requestId = ctx?.requestId ?? (res.getHeader(REQUEST_ID_HEADER) as string | undefined);
    const error = this.toAppError(exception);
    if (error.code === ErrorCode.internal) {
      logger.error({ err: exception, method: req.method, path: req.path }, 'unhandled error');
    } else if (error.code === ErrorCode.serviceUnavailable) {
      logger.warn({ err: (exception as Error).message, path: req.path }, 'service unavailable');
    }
    const body: ErrorEnvelope = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
        requestId,
      },
    };
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    res.status(error.status).json(body);
  }

  private toAppError(exception: unknown): AppError {
    if (exception instanceof AppError) {
      return exception.code === ErrorCode.internal
        ? new AppError(ErrorCode.internal, 'internal server error')
        : exception;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.internal : ErrorCode.badRequest);
      return new AppError(code, code === ErrorCode.notFound ? 'no such route' : exception.message);
    }
    if (isDatabaseUnavailable(exception)) {
      return new AppError(
        ErrorCode.serviceUnavailable,
        'the database is unavailable; retry shortly',
        undefined,
        { 'Retry-After': '5' },
      );
    }
    return new AppError(ErrorCode.internal, 'internal server error');
  }
}
