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
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REDACTED_HEADER,
  IDEMPOTENT_REPLAY_SECRET_FIELDS,
  IDEMPOTENT_REPLAYED_HEADER,
} from '@tributary/contracts';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { Prisma } from '../../generated/prisma/client';
import { sha256Hex } from '../crypto/tokens';
import { AppError, ErrorCode } from '../errors';
import { currentContext, type Principal } from '../request-context';

export const IDEMPOTENT_METADATA = 'tributary:idempotent';
/** Marks a creating POST as accepting Idempotency-Key. */
export const Idempotent = () => SetMetadata(IDEMPOTENT_METADATA, true);

/** Keys are client-chosen (usually a UUID); 255 bounds what we store. */
const MAX_KEY_LENGTH = 255;

/** What a replay leaves out (contracts: IDEMPOTENT_REPLAY_SECRET_FIELDS, the one list the SDK reads too). */
const SECRET_RESPONSE_FIELDS = IDEMPOTENT_REPLAY_SECRET_FIELDS;

/** The body to store: `body` without its secret fields, and the names of those removed. */
export function redactSecrets(body: unknown): { stored: unknown; redacted: string[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { stored: body, redacted: [] };
  const stored: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const redacted: string[] = [];
  for (const field of SECRET_RESPONSE_FIELDS) {
    if (field in stored) {
      delete stored[field];
      redacted.push(field);
    }
  }
  return { stored, redacted };
}

/** Stored replay: the redacted body and the names of the fields left out. */
interface StoredReplay {
  body: unknown;
  redacted: string[];
}

/** Records written before redaction held the bare body: redact those on the way out too. */
function storedReplay(value: unknown): StoredReplay | null {
  if (value === null || value === undefined) return null;
  const v = value as Partial<StoredReplay>;
  if (typeof v === 'object' && 'body' in v && Array.isArray(v.redacted)) {
    return { body: v.body, redacted: v.redacted.filter((f) => typeof f === 'string') };
  }
  const { stored, redacted } = redactSecrets(value);
  return { body: stored, redacted };
}

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
 * never creates twice (a retried create must not duplicate). A repeat with another body is
 * idempotency_conflict; a repeat while the first still runs is conflict.
 * A failed first attempt releases the key. Records expire after
 * IDEMPOTENCY_TTL_HOURS (as Stripe's do after 24 h): an expired key is claimed
 * afresh, and the retention job purges them. Secrets are never stored (see
 * SECRET_RESPONSE_FIELDS).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
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
    const claim = () =>
      db.idempotencyRecord.createMany({ data: [{ scope, key, requestHash }], skipDuplicates: true });
    let claimed = await claim();
    if (claimed.count === 0) {
      // An expired record no longer counts (the purge may not have run yet): drop it and claim afresh.
      const expiredBefore = new Date(Date.now() - this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000);
      const { count } = await db.idempotencyRecord.deleteMany({
        where: { scope, key, createdAt: { lt: expiredBefore } },
      });
      if (count > 0) claimed = await claim();
    }
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
      const replay = storedReplay(record.responseBody);
      res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      if (replay?.redacted.length) res.setHeader(IDEMPOTENT_REDACTED_HEADER, replay.redacted.join(', '));
      return replay?.body ?? undefined;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const { stored, redacted } = redactSecrets(body ?? null);
      const replay: StoredReplay = { body: stored, redacted };
      await db.idempotencyRecord.update({
        where: { scope_key: { scope, key } },
        data: { responseStatus: status, responseBody: replay as unknown as Prisma.InputJsonValue },
      });
      return body;
    } catch (err) {
      await db.idempotencyRecord.delete({ where: { scope_key: { scope, key } } }).catch(() => undefined);
      throw err;
    }
  }
}
