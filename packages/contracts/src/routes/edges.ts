import { CreatedEdgeSchema, CreateEdgeInputSchema, EdgeSchema, ListQuerySchema, listOf } from '../resources';
import { type RouteGroup, route } from './route';

const tag = 'edges (operators)';

/** The edge fleet, as operators manage it (what edges themselves call is edgeApiRoutes). */
export const edgeRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/edges',
    summary: 'List registered edges with health and load',
    tag,
    access: 'operator',
    query: ListQuerySchema,
    response: listOf(EdgeSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/edges',
    summary: 'Register an edge; returns its credential once',
    tag,
    access: 'operator',
    body: CreateEdgeInputSchema,
    response: CreatedEdgeSchema,
    status: 201,
    idempotent: true,
  }),
  get: route({
    method: 'GET',
    path: '/v1/edges/{id}',
    summary: 'Get an edge',
    tag,
    access: 'operator',
    response: EdgeSchema,
    status: 200,
  }),
  delete: route({
    method: 'DELETE',
    path: '/v1/edges/{id}',
    summary: 'Deregister an edge (its credential stops working)',
    tag,
    access: 'operator',
    status: 204,
  }),
} as const satisfies RouteGroup;
