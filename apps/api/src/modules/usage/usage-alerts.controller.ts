import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  type CreateUsageAlertInput,
  CreateUsageAlertInputSchema,
  expressPath,
  usageAlertRoutes as routes,
  type UpdateUsageAlertInput,
  UpdateUsageAlertInputSchema,
} from '@tributary/contracts';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { UsageAlertsService } from './usage-alerts.service';

const doc = (r: (typeof routes)[keyof typeof routes]) =>
  ApiDoc({
    summary: r.summary,
    ...('body' in r ? { body: r.body } : {}),
    ...('response' in r ? { response: r.response } : {}),
    status: r.status,
  });

/** Paths, access rules, schemas and summaries: the route table's (contracts routes/usage-alerts.ts). */
@ApiTags(routes.list.tag)
@Controller()
export class UsageAlertsController {
  constructor(@Inject(UsageAlertsService) private readonly alerts: UsageAlertsService) {}

  @Get(expressPath(routes.list.path))
  @Access(routes.list.access)
  @doc(routes.list)
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.alerts.list(q);
  }

  @Post(expressPath(routes.create.path))
  @Access(routes.create.access)
  @Idempotent()
  @doc(routes.create)
  create(@Body(new Zod(CreateUsageAlertInputSchema, 'body')) input: CreateUsageAlertInput) {
    return this.alerts.create(input);
  }

  @Get(expressPath(routes.get.path))
  @Access(routes.get.access)
  @doc(routes.get)
  get(@Param('id') id: string) {
    return this.alerts.get(id);
  }

  @Patch(expressPath(routes.update.path))
  @Access(routes.update.access)
  @doc(routes.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(UpdateUsageAlertInputSchema, 'body')) input: UpdateUsageAlertInput,
  ) {
    return this.alerts.update(id, input);
  }

  @Delete(expressPath(routes.remove.path))
  @Access(routes.remove.access)
  @HttpCode(routes.remove.status)
  @doc(routes.remove)
  remove(@Param('id') id: string) {
    return this.alerts.remove(id);
  }
}
