import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { isSafeName } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import type { NextFunction, Request, Response } from 'express';
import { LOGGER } from '../../app.tokens';
import { requestContext } from '../request-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Opens the request's context (request id, child logger), echoes the id in a
 * response header, and logs one line when the response is sent. Only the path
 * is logged: query strings can carry tokens.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const incoming = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof incoming === 'string' && isSafeName(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const ctx = { requestId, logger: this.logger.child({ requestId }) };
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      };
      if (res.statusCode >= 500) ctx.logger.error(line, 'request');
      else ctx.logger.debug(line, 'request');
    });
    requestContext.run(ctx, next);
  }
}
