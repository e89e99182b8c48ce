import { Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { SessionsService } from './sessions.service';

const r = routes.sessions;

@Controller()
export class SessionsController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.sessions.list(q);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.sessions.get(id);
  }
}
