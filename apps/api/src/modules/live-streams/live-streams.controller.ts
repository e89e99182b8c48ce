import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreatedLiveStreamSchema,
  CreateLiveStreamInputSchema,
  LiveStreamSchema,
  LiveStreamStatusSchema,
  listOf,
  StreamKeySchema,
  UpdateLiveStreamInputSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { LiveStreamsService } from './live-streams.service';

const LiveStreamsQuery = ListQuery.extend({ status: LiveStreamStatusSchema.optional() });

@ApiTags('live streams')
@Controller('v1/live-streams')
export class LiveStreamsController {
  constructor(@Inject(LiveStreamsService) private readonly streams: LiveStreamsService) {}

  @Get()
  @Access('tenant:read')
  @ApiDoc({ summary: 'List live streams (filter by status)', response: listOf(LiveStreamSchema) })
  list(@Query(new Zod(LiveStreamsQuery, 'query')) q: z.infer<typeof LiveStreamsQuery>) {
    return this.streams.list(q);
  }

  @Post()
  @Access('tenant:write')
  @Idempotent()
  @ApiDoc({
    summary: 'Create a live stream; returns its stream key',
    body: CreateLiveStreamInputSchema,
    response: CreatedLiveStreamSchema,
    status: 201,
  })
  create(
    @Body(new Zod(CreateLiveStreamInputSchema, 'body')) input: z.infer<typeof CreateLiveStreamInputSchema>,
  ) {
    return this.streams.create(input);
  }

  @Get(':id')
  @Access('tenant:read')
  @ApiDoc({ summary: 'Get a live stream with its ingest and playback URLs', response: LiveStreamSchema })
  get(@Param('id') id: string) {
    return this.streams.get(id);
  }

  @Patch(':id')
  @Access('tenant:write')
  @ApiDoc({ summary: 'Update a live stream', body: UpdateLiveStreamInputSchema, response: LiveStreamSchema })
  update(
    @Param('id') id: string,
    @Body(new Zod(UpdateLiveStreamInputSchema, 'body')) input: z.infer<typeof UpdateLiveStreamInputSchema>,
  ) {
    return this.streams.update(id, input);
  }

  @Delete(':id')
  @Access('tenant:write')
  @HttpCode(204)
  @ApiDoc({ summary: 'Delete a live stream', status: 204 })
  remove(@Param('id') id: string) {
    return this.streams.remove(id);
  }

  @Post(':id/rotate-key')
  @Access('tenant:write')
  @HttpCode(200)
  @ApiDoc({ summary: 'Replace the stream key (the old one stops working)', response: StreamKeySchema })
  rotateKey(@Param('id') id: string) {
    return this.streams.rotateKey(id);
  }

  @Get(':id/stream-key')
  @Access('tenant:write')
  @ApiDoc({ summary: 'Reveal the stream key (write scope)', response: StreamKeySchema })
  revealKey(@Param('id') id: string) {
    return this.streams.revealKey(id);
  }

  @Post(':id/disable')
  @Access('tenant:write')
  @HttpCode(200)
  @ApiDoc({ summary: 'Refuse publishing with this stream', response: LiveStreamSchema })
  disable(@Param('id') id: string) {
    return this.streams.setDisabled(id, true);
  }

  @Post(':id/enable')
  @Access('tenant:write')
  @HttpCode(200)
  @ApiDoc({ summary: 'Allow publishing again', response: LiveStreamSchema })
  enable(@Param('id') id: string) {
    return this.streams.setDisabled(id, false);
  }
}
