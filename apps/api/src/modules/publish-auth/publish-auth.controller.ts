import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  EdgeApiPaths,
  PublishAuthChallengeRequestSchema,
  PublishAuthChallengeResponseSchema,
  PublishAuthVerifyRequestSchema,
  PublishAuthVerifyResponseSchema,
  PublishCredentialInputSchema,
  PublishCredentialSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Zod } from '../../common/http/validation';
import { PublishAuthService } from './publish-auth.service';

/** A live stream's publish credential (FMLE authentication, authmod=adobe). */
@ApiTags('live streams')
@Controller('v1/live-streams/:id/publish-credentials')
export class PublishCredentialsController {
  constructor(@Inject(PublishAuthService) private readonly auth: PublishAuthService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: "The stream's publish credential (username only; 404 when publishing needs none)",
    response: PublishCredentialSchema,
  })
  get(@Param('id') id: string) {
    return this.auth.get(id);
  }

  @Put()
  @Access('tenant:write')
  @ApiDoc({
    summary:
      'Require a username and password at publish (authmod=adobe: rtmp://user:pass@edge/<app>/<key>); ' +
      'usernames are unique across the platform; the password is never shown again',
    body: PublishCredentialInputSchema,
    response: PublishCredentialSchema,
  })
  set(
    @Param('id') id: string,
    @Body(new Zod(PublishCredentialInputSchema, 'body')) input: z.infer<typeof PublishCredentialInputSchema>,
  ) {
    return this.auth.set(id, input);
  }

  @Delete()
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Publish with the stream key alone again', status: 204 })
  remove(@Param('id') id: string) {
    return this.auth.remove(id);
  }
}

/** The edge's half of the authmod=adobe exchange (contracts EdgeApiPaths, publish-auth.ts). */
@ApiTags('edge contract')
@Controller()
@Access('edge')
export class EdgePublishAuthController {
  constructor(@Inject(PublishAuthService) private readonly auth: PublishAuthService) {}

  @Post(EdgeApiPaths.publishAuthChallenge)
  @HttpCode(200)
  @ApiDoc({
    summary: 'A salt, challenge and signed short-lived opaque for an authmod=adobe user',
    body: PublishAuthChallengeRequestSchema,
    response: PublishAuthChallengeResponseSchema,
  })
  challenge(
    @Body(new Zod(PublishAuthChallengeRequestSchema, 'body'))
    req: z.infer<typeof PublishAuthChallengeRequestSchema>,
  ) {
    return this.auth.challenge(req);
  }

  @Post(EdgeApiPaths.publishAuthVerify)
  @HttpCode(200)
  @ApiDoc({
    summary: 'Check an authmod=adobe response once (signature, expiry, single use across the fleet)',
    body: PublishAuthVerifyRequestSchema,
    response: PublishAuthVerifyResponseSchema,
  })
  verify(
    @Body(new Zod(PublishAuthVerifyRequestSchema, 'body')) req: z.infer<
      typeof PublishAuthVerifyRequestSchema
    >,
  ) {
    return this.auth.verify(req);
  }
}
