import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { AppError, ErrorCode } from '../errors';
import { Lifecycle } from './lifecycle';

/**
 * Largest JSON body: every input schema in contracts fits in a few KiB (the
 * longest field is a 5,000-character description); 1 MiB leaves room and caps
 * what one request can make the api buffer (docs/reliability.md: rate-limits-and-caps: 2 MB → 413).
 */
export const MAX_BODY_BYTES = 1024 * 1024;

const parseJson = json({ limit: MAX_BODY_BYTES, strict: true });

/**
 * JSON body parsing as a Nest middleware, so its failures reach the global
 * exception filter as AppErrors (one envelope) instead of Express's HTML page.
 * Also turns away new requests while the process drains.
 */
@Injectable()
export class BodyParserMiddleware implements NestMiddleware {
  constructor(@Inject(Lifecycle) private readonly lifecycle: Lifecycle) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (this.lifecycle.draining) {
      res.setHeader('connection', 'close');
      next(new AppError(ErrorCode.serviceUnavailable, 'shutting down; retry on another instance'));
      return;
    }
    parseJson(req, res, (err?: unknown) => {
      if (!err) return next();
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') {
        next(new AppError(ErrorCode.payloadTooLarge, `request body larger than ${MAX_BODY_BYTES} bytes`));
      } else {
        next(new AppError(ErrorCode.badRequest, 'request body is not valid JSON'));
      }
    });
  }
}
