import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { IDEMPOTENCY_HEADER } from '@tributary/contracts';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Database } from '../../database/database';
import type { Prisma } from '../../generated/prisma/client';
import { sha256Hex } from '../crypto/tokens';
import { AppError, ErrorCode } from '../errors';
import { currentContext, type Principal } from '../request-context';

const IDEMPOTENT_METADATA = 'tributary:idempotent';
/** Marks a creating POST as accepting Idempotency-Key. */
export const Idempotent = () => SetMetadata(IDEMPOTENT_METADATA, true);

/** Keys are client-chosen (usually a UUID); 255 bounds what we store. */
const MAX_KEY_LENGTH = 255;

function principalId(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  return p.kind === 'apiKey'
    ? `key:${p.apiKeyId}`
    : p.kind === 'user'
      ? `user:${p.userId}`
      : `edge:${p.edgeId}`;
}

/**
 * Idempotency-Key on creating endpoints (the Stripe/Mux convention): the first
 * request with a key claims it, and a repeat with the same key and body gets
 * the first response again, so a client retrying after a timeout or a 503
 * never creates twice (RELIABILITY F3). A repeat with another body is
 * idempotency_conflict; a repeat while the first still runs is conflict.
 * A failed first attempt releases the key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Database) private readonly db: Database,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers[IDEMPOTENCY_HEADER];
    if (
      !this.reflector.get<boolean>(IDEMPOTENT_METADATA, context.getHandler()) ||
      typeof header !== 'string'
    ) {
      return next.handle();
    }
    // Nest applies the route's status after interceptors; a creating POST answers 201 unless @HttpCode says otherwise.
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    return from(this.run(header, req, context.switchToHttp().getResponse<Response>(), next, status));
  }

  private async run(
    key: string,
    req: Request,
    res: Response,
    next: CallHandler,
    status: number,
  ): Promise<unknown> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new AppError(ErrorCode.validationFailed, 'invalid Idempotency-Key', [
        { field: 'Idempotency-Key', message: `expected 1 to ${MAX_KEY_LENGTH} characters` },
      ]);
    }
    const ctx = currentContext();
    const scope = `${ctx?.tenantId ?? 'platform'}:${principalId(ctx?.principal)}:${req.method} ${req.path}`;
    const requestHash = sha256Hex(JSON.stringify(req.body ?? null));
    const db = this.db.unscoped('idempotency records');
    const claimed = await db.idempotencyRecord.createMany({
      data: [{ scope, key, requestHash }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) {
      const record = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
      if (!record || record.requestHash !== requestHash) {
        throw new AppError(
          ErrorCode.idempotencyConflict,
          'this Idempotency-Key was used with a different request',
        );
      }
      if (record.responseStatus === null) {
        throw new AppError(
          ErrorCode.conflict,
          'a request with this Idempotency-Key is still being processed',
        );
      }
      res.setHeader('idempotent-replayed', 'true');
      return record.responseBody;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await db.idempotencyRecord.update({
        where: { scope_key: { scope, key } },
        data: { responseStatus: status, responseBody: (body ?? null) as Prisma.InputJsonValue },
      });
      return body;
    } catch (err) {
      await db.idempotencyRecord.delete({ where: { scope_key: { scope, key } } }).catch(() => undefined);
      throw err;
    }
  }
}
