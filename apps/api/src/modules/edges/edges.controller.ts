import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { EdgesService } from './edges.service';

const r = routes.edges;

@Controller()
export class EdgesController {
  constructor(@Inject(EdgesService) private readonly edges: EdgesService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.edges.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.edges.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.edges.get(id);
  }

  @Route(r.delete)
  remove(@Param('id') id: string) {
    return this.edges.remove(id);
  }
}
