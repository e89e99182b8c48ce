import { Body, Controller, Inject, Req, Res } from '@nestjs/common';
import { routes, type User } from '@tributary/contracts';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { sessionCookie } from '../../common/auth/cookies';
import { clientIp, clientUserAgent } from '../../common/http/client-ip';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { RateLimiter } from '../../common/rate-limiter';
import { principalOf } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AuthService } from './auth.service';

const r = routes.auth;

@Controller()
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Route(r.login)
  async login(
    @Body(new Zod(r.login.body)) input: z.output<typeof r.login.body>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<User> {
    const ip = clientIp(req, this.config);
    await this.rateLimiter.hit(`login:${ip}`, this.config.LOGIN_RATE_LIMIT_PER_MINUTE);
    const { user, token } = await this.auth.login(input.email, input.password, {
      ip,
      userAgent: clientUserAgent(req, this.config),
    });
    res.setHeader('set-cookie', sessionCookie(token, this.auth.sessionTtlSeconds, this.secure(req)));
    return user;
  }

  @Route(r.logout)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(principalOf('user').sessionId);
    res.setHeader('set-cookie', sessionCookie('', 0, this.secure(req)));
  }

  @Route(r.me)
  me(): Promise<User> {
    return this.auth.me(principalOf('user').userId);
  }

  private secure(req: Request): boolean {
    if (this.config.COOKIE_SECURE !== 'auto') return this.config.COOKIE_SECURE === 'true';
    return req.secure || req.headers['x-forwarded-proto'] === 'https';
  }
}
