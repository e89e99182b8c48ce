import { Body, Controller, Get, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreateTenantInputSchema,
  CreateUserInputSchema,
  listOf,
  TenantSchema,
  UpdateTenantInputSchema,
  UserSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Idempotent } from '../../common/http/idempotency.interceptor';
import { ListQuery } from '../../common/http/pagination';
import { Zod } from '../../common/http/validation';
import { TenantsService } from './tenants.service';

@ApiTags('tenants (operators)')
@Controller('v1/tenants')
@Access('operator')
export class TenantsController {
  constructor(@Inject(TenantsService) private readonly tenants: TenantsService) {}

  @Get()
  @ApiDoc({ summary: 'List tenants', response: listOf(TenantSchema) })
  list(@Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.tenants.list(q);
  }

  @Post()
  @Idempotent()
  @ApiDoc({ summary: 'Create a tenant', body: CreateTenantInputSchema, response: TenantSchema, status: 201 })
  create(@Body(new Zod(CreateTenantInputSchema, 'body')) input: z.infer<typeof CreateTenantInputSchema>) {
    return this.tenants.create(input);
  }

  @Get(':id')
  @ApiDoc({ summary: 'Get a tenant', response: TenantSchema })
  get(@Param('id') id: string) {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Update a tenant (suspend with status)',
    body: UpdateTenantInputSchema,
    response: TenantSchema,
  })
  update(
    @Param('id') id: string,
    @Body(new Zod(UpdateTenantInputSchema, 'body')) input: z.infer<typeof UpdateTenantInputSchema>,
  ) {
    return this.tenants.update(id, input);
  }

  @Get(':id/users')
  @ApiDoc({ summary: "List a tenant's members", response: listOf(UserSchema) })
  listUsers(@Param('id') id: string, @Query(new Zod(ListQuery, 'query')) q: ListQuery) {
    return this.tenants.listUsers(id, q);
  }

  @Post(':id/users')
  @Idempotent()
  @ApiDoc({
    summary: 'Create a member of the tenant with a role',
    body: CreateUserInputSchema,
    response: UserSchema,
    status: 201,
  })
  createUser(
    @Param('id') id: string,
    @Body(new Zod(CreateUserInputSchema, 'body')) input: z.infer<typeof CreateUserInputSchema>,
  ) {
    return this.tenants.createUser(id, input);
  }
}
