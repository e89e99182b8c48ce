import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  AcceptedInvitationSchema,
  AccountSessionSchema,
  ChangedPasswordSchema,
  ChangePasswordInputSchema,
  InvitationTokenInputSchema,
  listOf,
  SignedOutSessionsSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { RateLimiter } from '../../common/rate-limiter';
import { principalOf } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AccountService } from './account.service';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';

@ApiTags('account')
@Controller('v1/account')
@Access('user')
export class AccountController {
  constructor(
    @Inject(AccountService) private readonly account: AccountService,
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
    @Inject(MembersService) private readonly members: MembersService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post('password')
  @HttpCode(200)
  @ApiDoc({
    summary: "Change the password (the current one required); signs out the user's other sessions",
    body: ChangePasswordInputSchema,
    response: ChangedPasswordSchema,
  })
  async changePassword(
    @Body(new Zod(ChangePasswordInputSchema, 'body')) input: z.infer<typeof ChangePasswordInputSchema>,
  ) {
    const { userId, sessionId } = principalOf('user');
    // A stolen session guessing the password it does not know: the sign-in budget, per user.
    await this.rateLimiter.hit(`password-change:${userId}`, this.config.LOGIN_RATE_LIMIT_PER_MINUTE);
    return this.account.changePassword(userId, sessionId, input);
  }

  @Get('sessions')
  @ApiDoc({
    summary: "The signed-in user's sessions, the current one marked",
    response: listOf(AccountSessionSchema),
  })
  listSessions(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    const { userId, sessionId } = principalOf('user');
    return this.account.listSessions(userId, sessionId, q);
  }

  @Post('sessions/sign-out-others')
  @HttpCode(200)
  @ApiDoc({ summary: 'Sign out every session but this one', response: SignedOutSessionsSchema })
  signOutOthers() {
    const { userId, sessionId } = principalOf('user');
    return this.account.signOutOthers(userId, sessionId);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Sign out one of your sessions', status: 204 })
  signOut(@Param('id') id: string) {
    return this.account.signOut(principalOf('user').userId, id);
  }

  @Post('invitations/accept')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Accept an invitation to your own e-mail as the signed-in user',
    body: InvitationTokenInputSchema,
    response: AcceptedInvitationSchema,
    status: 201,
  })
  acceptInvitation(
    @Body(new Zod(InvitationTokenInputSchema, 'body')) input: z.infer<typeof InvitationTokenInputSchema>,
  ) {
    return this.invitations.acceptAsUser(input.token, principalOf('user').userId);
  }

  @Delete('memberships/:tenantId')
  @HttpCode(204)
  @ApiDoc({ summary: 'Leave a tenant (not as its last owner)', status: 204 })
  leave(@Param('tenantId') tenantId: string) {
    return this.members.leave(tenantId, principalOf('user').userId);
  }
}
