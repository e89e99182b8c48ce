import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { TenantsService } from './tenants.service';

const r = routes.tenants;

@Controller()
export class TenantsController {
  constructor(@Inject(TenantsService) private readonly tenants: TenantsService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.tenants.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.tenants.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.tenants.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.tenants.update(id, input);
  }

  @Route(r.listUsers)
  listUsers(
    @Param('id') id: string,
    @Query(new Zod(r.listUsers.query, 'query')) q: z.output<typeof r.listUsers.query>,
  ) {
    return this.tenants.listUsers(id, q);
  }

  @Route(r.createUser)
  createUser(
    @Param('id') id: string,
    @Body(new Zod(r.createUser.body, 'body')) input: z.output<typeof r.createUser.body>,
  ) {
    return this.tenants.createUser(id, input);
  }
}
