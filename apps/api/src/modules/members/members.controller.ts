import { Body, Controller, Inject, Param, Query, Req } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { Request } from 'express';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { clientIp } from '../../common/http/client-ip';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { RateLimiter } from '../../common/rate-limiter';
import type { ApiConfig } from '../../config';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';

const memberDefs = routes.members;
const invitationDefs = routes.invitations;

@Controller()
export class MembersController {
  constructor(@Inject(MembersService) private readonly members: MembersService) {}

  @Route(memberDefs.list)
  list(@Query(new Zod(memberDefs.list.query, 'query')) q: z.output<typeof memberDefs.list.query>) {
    return this.members.list(q);
  }

  @Route(memberDefs.update)
  update(
    @Param('userId') userId: string,
    @Body(new Zod(memberDefs.update.body, 'body')) input: z.output<typeof memberDefs.update.body>,
  ) {
    return this.members.changeRole(userId, input.role);
  }

  @Route(memberDefs.remove)
  remove(@Param('userId') userId: string) {
    return this.members.remove(userId);
  }
}

@Controller()
export class InvitationsController {
  constructor(
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
    @Inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Route(invitationDefs.list)
  list(@Query(new Zod(invitationDefs.list.query, 'query')) q: z.output<typeof invitationDefs.list.query>) {
    return this.invitations.list(q);
  }

  @Route(invitationDefs.create)
  create(
    @Body(new Zod(invitationDefs.create.body, 'body')) input: z.output<typeof invitationDefs.create.body>,
  ) {
    return this.invitations.create(input);
  }

  @Route(invitationDefs.revoke)
  revoke(@Param('id') id: string) {
    return this.invitations.revoke(id);
  }

  @Route(invitationDefs.preview)
  async preview(
    @Body(new Zod(invitationDefs.preview.body, 'body')) input: z.output<typeof invitationDefs.preview.body>,
    @Req() req: Request,
  ) {
    await this.limit(req);
    return this.invitations.preview(input.token);
  }

  @Route(invitationDefs.accept)
  async accept(
    @Body(new Zod(invitationDefs.accept.body, 'body')) input: z.output<typeof invitationDefs.accept.body>,
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
