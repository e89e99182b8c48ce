import {
  ApiKeySchema,
  CreateApiKeyInputSchema,
  CreatedApiKeySchema,
  ListQuerySchema,
  listOf,
} from '../resources';
import { type RouteGroup, route } from './route';

const tag = 'api keys';

export const apiKeyRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/api-keys',
    summary: "List the tenant's API keys (never the keys themselves)",
    tag,
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(ApiKeySchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/api-keys',
    summary: 'Create an API key; the key is shown once',
    tag,
    access: 'tenant:write',
    body: CreateApiKeyInputSchema,
    response: CreatedApiKeySchema,
    status: 201,
    idempotent: true,
  }),
  revoke: route({
    method: 'DELETE',
    path: '/v1/api-keys/{id}',
    summary: 'Revoke an API key',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
} as const satisfies RouteGroup;
