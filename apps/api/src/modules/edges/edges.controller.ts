import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CreatedEdgeSchema, CreateEdgeInputSchema, EdgeSchema, listOf } from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { EdgesService } from './edges.service';

@ApiTags('edges (operators)')
@Controller('v1/edges')
@Access('operator')
export class EdgesController {
  constructor(@Inject(EdgesService) private readonly edges: EdgesService) {}

  @Get()
  @ApiDoc({ summary: 'List registered edges with health and load', response: listOf(EdgeSchema) })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.edges.list(q);
  }

  @Post()
  @Idempotent()
  @ApiDoc({
    summary: 'Register an edge; returns its credential once',
    body: CreateEdgeInputSchema,
    response: CreatedEdgeSchema,
    status: 201,
  })
  create(@Body(new Zod(CreateEdgeInputSchema, 'body')) input: z.infer<typeof CreateEdgeInputSchema>) {
    return this.edges.create(input);
  }

  @Get(':id')
  @ApiDoc({ summary: 'Get an edge', response: EdgeSchema })
  get(@Param('id') id: string) {
    return this.edges.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Deregister an edge (its credential stops working)', status: 204 })
  remove(@Param('id') id: string) {
    return this.edges.remove(id);
  }
}
