import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TENANT_HEADER } from '@tributary/contracts';
import type { Request } from 'express';
import { CONFIG } from '../../app.tokens';
import type { ApiConfig } from '../../config';
import { AppError, ErrorCode } from '../errors';
import { assertSameOriginWrite } from '../http/origin-check';
import { RateLimiter } from '../rate-limiter';
import { currentContext, type Principal } from '../request-context';
import { ACCESS_METADATA, type AccessRule } from './access.decorator';
import { Authenticator } from './authenticator';
import { readSessionCookie } from './cookies';
import { bearerToken } from './credentials';

/**
 * The one global guard: reads the route's @Access rule, authenticates, and puts
 * { principal, tenantId } into the request context, where database/tenant-scope
 * confines every tenant-owned query. Routes without a rule are refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) throw new AppError(ErrorCode.forbidden, 'this route declares no access rule');
    if (rule === 'public') return true;

    const req = context.switchToHttp().getRequest<Request>();
    const ctx = currentContext();
    if (!ctx) throw new AppError(ErrorCode.internal, 'request context missing');
    const { principal, tenantId } = await this.resolve(rule, req);
    ctx.principal = principal;
    ctx.tenantId = tenantId;
    ctx.logger = ctx.logger.child({ tenantId, principal: principal.kind });
    return true;
  }

  private async resolve(
    rule: Exclude<AccessRule, 'public'>,
    req: Request,
  ): Promise<{ principal: Principal; tenantId?: string }> {
    const bearer = bearerToken(req.headers.authorization);
    if (rule === 'edge') {
      if (!bearer) throw new AppError(ErrorCode.unauthenticated, 'edge credential required');
      return { principal: await this.auth.edge(bearer) };
    }
    if (rule === 'tenant:read' || rule === 'tenant:write') {
      const need = rule === 'tenant:read' ? 'read' : 'write';
      if (bearer) {
        const principal = await this.auth.apiKey(bearer);
        await this.rateLimiter.hit(`api-key:${principal.apiKeyId}`, this.auth.rateLimitPerMinute);
        if (!principal.scopes.has(need))
          throw new AppError(ErrorCode.forbidden, `this API key lacks the ${need} scope`);
        return { principal, tenantId: principal.tenantId };
      }
      const principal = await this.userFromCookie(req);
      const header = req.headers[TENANT_HEADER];
      return {
        principal,
        tenantId: await this.auth.userTenant(
          principal,
          typeof header === 'string' ? header : undefined,
          need,
        ),
      };
    }
    const principal = await this.userFromCookie(req);
    if (rule === 'operator' && !principal.isOperator)
      throw new AppError(ErrorCode.forbidden, 'operators only');
    return { principal };
  }

  private async userFromCookie(req: Request) {
    const token = readSessionCookie(req.headers.cookie);
    if (!token)
      throw new AppError(ErrorCode.unauthenticated, 'sign in, or send Authorization: Bearer <API key>');
    // The session cookie is an ambient credential: a write with it must come from our own origin.
    assertSameOriginWrite(req, this.config);
    return this.auth.session(token);
  }
}
