import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreateLiveEventInputSchema,
  LiveEventSchema,
  LiveEventTransitionInputSchema,
  listOf,
  UpdateLiveEventInputSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { LiveEventsService } from './live-events.service';

@ApiTags('live events')
@Controller('v1/live-events')
export class LiveEventsController {
  constructor(@Inject(LiveEventsService) private readonly events: LiveEventsService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({ summary: 'List live events', response: listOf(LiveEventSchema) })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.events.list(q);
  }

  @Post()
  @Access('tenant:write')
  @Idempotent()
  @ApiDoc({
    summary: 'Schedule a live event on a live stream',
    body: CreateLiveEventInputSchema,
    response: LiveEventSchema,
    status: 201,
  })
  create(
    @Body(new Zod(CreateLiveEventInputSchema, 'body')) input: z.infer<typeof CreateLiveEventInputSchema>,
  ) {
    return this.events.create(input);
  }

  @Get(':id')
  @Access('tenant:read')
  @ApiDoc({ summary: 'Get a live event', response: LiveEventSchema })
  get(@Param('id') id: string) {
    return this.events.get(id);
  }

  @Patch(':id')
  @Access('tenant:write')
  @ApiDoc({ summary: 'Update a live event', body: UpdateLiveEventInputSchema, response: LiveEventSchema })
  update(
    @Param('id') id: string,
    @Body(new Zod(UpdateLiveEventInputSchema, 'body')) input: z.infer<typeof UpdateLiveEventInputSchema>,
  ) {
    return this.events.update(id, input);
  }

  @Post(':id/transitions')
  @Access('tenant:write')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Move the event: scheduled→live→ended, scheduled→cancelled',
    body: LiveEventTransitionInputSchema,
    response: LiveEventSchema,
  })
  transition(
    @Param('id') id: string,
    @Body(new Zod(LiveEventTransitionInputSchema, 'body')) input: z.infer<
      typeof LiveEventTransitionInputSchema
    >,
  ) {
    return this.events.transition(id, input.to);
  }
}
