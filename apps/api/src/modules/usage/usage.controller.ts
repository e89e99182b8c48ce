import { Controller, Inject, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { UsageService } from './usage.service';

const r = routes.usage;

@Controller()
export class UsageController {
  constructor(@Inject(UsageService) private readonly usage: UsageService) {}

  @Route(r.get)
  get(@Query(new Zod(r.get.query, 'query')) q: z.output<typeof r.get.query>) {
    return this.usage.usage(q);
  }
}
