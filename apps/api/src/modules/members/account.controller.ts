import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { RateLimiter } from '../../common/rate-limiter';
import { principalOf } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AccountService } from './account.service';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';

const r = routes.account;

@Controller()
export class AccountController {
  constructor(
    @Inject(AccountService) private readonly account: AccountService,
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
    @Inject(MembersService) private readonly members: MembersService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Route(r.changePassword)
  async changePassword(
    @Body(new Zod(r.changePassword.body, 'body')) input: z.output<typeof r.changePassword.body>,
  ) {
    const { userId, sessionId } = principalOf('user');
    // A stolen session guessing the password it does not know: the sign-in budget, per user.
    await this.rateLimiter.hit(`password-change:${userId}`, this.config.LOGIN_RATE_LIMIT_PER_MINUTE);
    return this.account.changePassword(userId, sessionId, input);
  }

  @Route(r.listSessions)
  listSessions(@Query(new Zod(r.listSessions.query, 'query')) q: z.output<typeof r.listSessions.query>) {
    const { userId, sessionId } = principalOf('user');
    return this.account.listSessions(userId, sessionId, q);
  }

  @Route(r.signOutOtherSessions)
  signOutOthers() {
    const { userId, sessionId } = principalOf('user');
    return this.account.signOutOthers(userId, sessionId);
  }

  @Route(r.signOutSession)
  signOut(@Param('id') id: string) {
    return this.account.signOut(principalOf('user').userId, id);
  }

  @Route(r.acceptInvitation)
  acceptInvitation(
    @Body(new Zod(r.acceptInvitation.body, 'body')) input: z.output<typeof r.acceptInvitation.body>,
  ) {
    return this.invitations.acceptAsUser(input.token, principalOf('user').userId);
  }

  @Route(r.leaveTenant)
  leave(@Param('tenantId') tenantId: string) {
    return this.members.leave(tenantId, principalOf('user').userId);
  }
}
