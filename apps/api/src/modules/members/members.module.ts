import { Module } from '@nestjs/common';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { InvitationsService } from './invitations.service';
import { InvitationsController, MembersController } from './members.controller';
import { MembersService } from './members.service';

/** Tenant members, invitations and the signed-in user's account (issue 15). */
@Module({
  controllers: [MembersController, InvitationsController, AccountController],
  providers: [MembersService, InvitationsService, AccountService],
})
export class MembersModule {}
