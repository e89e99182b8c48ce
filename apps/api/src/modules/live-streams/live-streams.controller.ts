import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { LiveStreamsService } from './live-streams.service';

const r = routes.liveStreams;

@Controller()
export class LiveStreamsController {
  constructor(@Inject(LiveStreamsService) private readonly streams: LiveStreamsService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.streams.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.streams.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.streams.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.streams.update(id, input);
  }

  @Route(r.delete)
  remove(@Param('id') id: string) {
    return this.streams.remove(id);
  }

  @Route(r.rotateKey)
  rotateKey(@Param('id') id: string) {
    return this.streams.rotateKey(id);
  }

  @Route(r.revealKey)
  revealKey(@Param('id') id: string) {
    return this.streams.revealKey(id);
  }

  @Route(r.disable)
  disable(@Param('id') id: string) {
    return this.streams.setDisabled(id, true);
  }

  @Route(r.enable)
  enable(@Param('id') id: string) {
    return this.streams.setDisabled(id, false);
  }
}
