import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IngestSessionSchema, listOf } from '@tributary/contracts';
import { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { SessionsService } from './sessions.service';

const SessionsQuery = ListQuery.extend({
  liveStreamId: z.string().min(1).max(64).optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

@ApiTags('sessions')
@Controller('v1/sessions')
@Access('tenant:read')
export class SessionsController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Get()
  @ApiDoc({
    summary: 'List ingest sessions (filter by liveStreamId, active)',
    response: listOf(IngestSessionSchema),
  })
  list(@Query(new Zod(SessionsQuery, 'query')) q: z.infer<typeof SessionsQuery>) {
    return this.sessions.list(q);
  }

  @Get(':id')
  @ApiDoc({ summary: 'Get an ingest session', response: IngestSessionSchema })
  get(@Param('id') id: string) {
    return this.sessions.get(id);
  }
}
