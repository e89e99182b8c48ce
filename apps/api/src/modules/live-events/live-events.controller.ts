import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { LiveEventsService } from './live-events.service';

const r = routes.liveEvents;

@Controller()
export class LiveEventsController {
  constructor(@Inject(LiveEventsService) private readonly events: LiveEventsService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.events.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.events.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.events.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.events.update(id, input);
  }

  @Route(r.transition)
  transition(
    @Param('id') id: string,
    @Body(new Zod(r.transition.body, 'body')) input: z.output<typeof r.transition.body>,
  ) {
    return this.events.transition(id, input.to);
  }
}
