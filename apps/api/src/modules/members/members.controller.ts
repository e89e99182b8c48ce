import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  AcceptedInvitationSchema,
  AcceptInvitationInputSchema,
  CreatedInvitationSchema,
  CreateInvitationInputSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  InvitationTokenInputSchema,
  listOf,
  MemberSchema,
  UpdateMemberInputSchema,
} from '@tributary/contracts';
import type { Request } from 'express';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { clientIp } from '../../common/http/client-ip';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { RateLimiter } from '../../common/rate-limiter';
import type { ApiConfig } from '../../config';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';

@ApiTags('members')
@Controller('v1/members')
export class MembersController {
  constructor(@Inject(MembersService) private readonly members: MembersService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: "List the tenant's members (signed-in users only; API keys get 403)",
    response: listOf(MemberSchema),
  })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.members.list(q);
  }

  @Patch(':userId')
  @Access('tenant:write')
  @ApiDoc({
    summary: "Change a member's role (owners: any; admins: members and admins, never to or from owner)",
    body: UpdateMemberInputSchema,
    response: MemberSchema,
  })
  update(
    @Param('userId') userId: string,
    @Body(new Zod(UpdateMemberInputSchema, 'body')) input: z.infer<typeof UpdateMemberInputSchema>,
  ) {
    return this.members.changeRole(userId, input.role);
  }

  @Delete(':userId')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({
    summary:
      'Remove a member from the tenant (never its last owner); members leave with DELETE /v1/account/memberships/{tenantId}',
    status: 204,
  })
  remove(@Param('userId') userId: string) {
    return this.members.remove(userId);
  }
}

@ApiTags('members')
@Controller('v1/invitations')
export class InvitationsController {
  constructor(
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: "List the tenant's pending invitations (signed-in users only)",
    response: listOf(InvitationSchema),
  })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.invitations.list(q);
  }

  @Post()
  @Access('tenant:write')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Invite someone by e-mail with a role; the invitation link is shown once (no e-mail is sent)',
    body: CreateInvitationInputSchema,
    response: CreatedInvitationSchema,
    status: 201,
  })
  create(
    @Body(new Zod(CreateInvitationInputSchema, 'body')) input: z.infer<typeof CreateInvitationInputSchema>,
  ) {
    return this.invitations.create(input);
  }

  @Delete(':id')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Revoke a pending invitation (its link stops working)', status: 204 })
  revoke(@Param('id') id: string) {
    return this.invitations.revoke(id);
  }

  @Post('preview')
  @Access('public')
  @HttpCode(200)
  @ApiDoc({
    summary: 'What an invitation token invites to (public, rate-limited like sign-in)',
    body: InvitationTokenInputSchema,
    response: InvitationPreviewSchema,
  })
  async preview(
    @Body(new Zod(InvitationTokenInputSchema, 'body')) input: z.infer<typeof InvitationTokenInputSchema>,
    @Req() req: Request,
  ) {
    await this.limit(req);
    return this.invitations.preview(input.token);
  }

  @Post('accept')
  @Access('public')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Accept an invitation with a new account (name and password); public, rate-limited like sign-in',
    body: AcceptInvitationInputSchema,
    response: AcceptedInvitationSchema,
    status: 201,
  })
  async accept(
    @Body(new Zod(AcceptInvitationInputSchema, 'body')) input: z.infer<typeof AcceptInvitationInputSchema>,
    @Req() req: Request,
  ) {
    await this.limit(req);
    return this.invitations.acceptAsNewUser(input);
  }

  /** Token guessing is sign-in guessing: the same per-IP budget (its own bucket). */
  private limit(req: Request): Promise<void> {
    return this.rateLimiter.hit(
      `invitation:${clientIp(req, this.config)}`,
      this.config.LOGIN_RATE_LIMIT_PER_MINUTE,
    );
  }
}
