import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeySchema, CreateApiKeyInputSchema, CreatedApiKeySchema, listOf } from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: "List the tenant's API keys (never the keys themselves)",
    response: listOf(ApiKeySchema),
  })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.keys.list(q);
  }

  @Post()
  @Access('tenant:write')
  @Idempotent()
  @ApiDoc({
    summary: 'Create an API key; the key is shown once',
    body: CreateApiKeyInputSchema,
    response: CreatedApiKeySchema,
    status: 201,
  })
  create(@Body(new Zod(CreateApiKeyInputSchema, 'body')) input: z.infer<typeof CreateApiKeyInputSchema>) {
    return this.keys.create(input);
  }

  @Delete(':id')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Revoke an API key', status: 204 })
  revoke(@Param('id') id: string) {
    return this.keys.revoke(id);
  }
}
