import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { UsageAlertsService } from './usage-alerts.service';

const r = routes.usageAlerts;

/** Paths, access rules, schemas and summaries: the route table's (contracts routes/usage-alerts.ts). */
@Controller()
export class UsageAlertsController {
  constructor(@Inject(UsageAlertsService) private readonly alerts: UsageAlertsService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.alerts.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.alerts.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.alerts.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.alerts.update(id, input);
  }

  @Route(r.delete)
  remove(@Param('id') id: string) {
    return this.alerts.remove(id);
  }
}
