import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreatedSigningKeySchema,
  CreatePlaybackTokenInputSchema,
  CreateSigningKeyInputSchema,
  listOf,
  PlaybackTokenSchema,
  SigningKeySchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { PlaybackKeys } from './playback-keys.service';
import { PlaybackTokensService } from './playback-tokens.service';

@ApiTags('playback')
@Controller('v1/playback-tokens')
export class PlaybackTokensController {
  constructor(@Inject(PlaybackTokensService) private readonly tokens: PlaybackTokensService) {}

  @Post()
  @Access('tenant:write')
  @ApiDoc({
    summary: 'Mint a signed playback token (Ed25519 JWT)',
    body: CreatePlaybackTokenInputSchema,
    response: PlaybackTokenSchema,
    status: 201,
  })
  mint(
    @Body(new Zod(CreatePlaybackTokenInputSchema, 'body')) input: z.infer<
      typeof CreatePlaybackTokenInputSchema
    >,
  ) {
    return this.tokens.mint(input);
  }
}

@ApiTags('playback')
@Controller('v1/signing-keys')
export class SigningKeysController {
  constructor(@Inject(PlaybackKeys) private readonly keys: PlaybackKeys) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({ summary: "List the tenant's signing keys (public halves)", response: listOf(SigningKeySchema) })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.keys.list(q);
  }

  @Post()
  @Access('tenant:write')
  @Idempotent()
  @ApiDoc({
    summary: 'Create a signing key; the private key is returned once and not stored',
    body: CreateSigningKeyInputSchema,
    response: CreatedSigningKeySchema,
    status: 201,
  })
  create(
    @Body(new Zod(CreateSigningKeyInputSchema, 'body')) input: z.infer<typeof CreateSigningKeyInputSchema>,
  ) {
    return this.keys.create(input.name);
  }

  @Get(':id')
  @Access('tenant:read')
  @ApiDoc({ summary: 'Get a signing key', response: SigningKeySchema })
  get(@Param('id') id: string) {
    return this.keys.get(id);
  }

  @Delete(':id')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Revoke a signing key (edges stop accepting its tokens)', status: 204 })
  revoke(@Param('id') id: string) {
    return this.keys.revoke(id);
  }
}
