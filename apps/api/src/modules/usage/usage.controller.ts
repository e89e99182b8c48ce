import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { UsageQuerySchema, UsageResponseSchema } from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Zod } from '../../common/http/validation';
import { UsageService } from './usage.service';

const StrictUsageQuery = UsageQuerySchema.strict();

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(@Inject(UsageService) private readonly usage: UsageService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({
    summary: 'Viewer-minutes, egress and ingest bytes per hour or day',
    response: UsageResponseSchema,
  })
  get(@Query(new Zod(StrictUsageQuery, 'query')) q: z.infer<typeof UsageQuerySchema>) {
    return this.usage.usage(q);
  }
}
