import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { HTTP_CODE_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { expressPath, pathParamNames, type RouteDef, routes } from '@tributary/contracts';
import { z } from 'zod';
import { ACCESS_METADATA } from '../src/common/auth/access.decorator';
import { jsonSchema } from '../src/common/http/api-doc.decorator';
import { IDEMPOTENT_METADATA } from '../src/common/http/idempotency.interceptor';
import { ROUTE_METADATA } from '../src/common/http/route.decorator';
import { Zod } from '../src/common/http/validation';
import { TestApi } from './support/api';
import { listRoutes, type RouteInfo } from './support/routes';

/**
 * The route table (packages/contracts/src/routes) is the one declaration of the REST surface. This
 * fails, naming the route, when the app and the table drift: a handler not bound with @Route, a table
 * route nobody serves, a guard or interceptor seeing other metadata than the table says, or an OpenAPI
 * document that lists something else.
 */

interface TableRoute {
  id: string;
  def: RouteDef;
}
const table: TableRoute[] = Object.entries(routes).flatMap(([group, defs]) =>
  Object.entries(defs as Record<string, RouteDef>).map(([name, def]) => ({
    id: `routes.${group}.${name}`,
    def,
  })),
);
const byDef = new Map<RouteDef, TableRoute>(table.map((r) => [r.def, r]));
const key = (method: string, path: string) => `${method} ${path}`;

/** Paths SwaggerModule serves itself (the document and its UI): not REST routes. */
const DOCS_PATH = /^\/(openapi\.json$|docs($|\/|-json$|-yaml$))/;

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApiDoc = { paths: Record<string, Record<string, OpenApiOperation>> };

let api: TestApi;
let served: RouteInfo[];
let doc: OpenApiDoc;

before(async () => {
  api = await TestApi.start();
  served = listRoutes(api.api.app);
  const res = await api.request('GET', '/openapi.json');
  assert.equal(res.status, 200);
  doc = res.body as OpenApiDoc;
});
after(async () => {
  await api?.close();
});

test('every handler is bound with @Route to one route of the table, at its method and path', () => {
  const problems: string[] = [];
  for (const handler of served) {
    const def = Reflect.getMetadata(ROUTE_METADATA, handler.handler) as RouteDef | undefined;
    const entry = def && byDef.get(def);
    if (!entry) {
      problems.push(
        `${handler.handlerName} (${key(handler.method, handler.path)}) is not bound to a table route with @Route`,
      );
      continue;
    }
    if (handler.method !== entry.def.method || handler.path !== expressPath(entry.def.path))
      problems.push(
        `${handler.handlerName} serves ${key(handler.method, handler.path)} but ${entry.id} is ${key(entry.def.method, entry.def.path)}`,
      );
  }
  assert.deepEqual(problems, []);
});

test('every route of the table is served by exactly one handler', () => {
  const problems: string[] = [];
  for (const entry of table) {
    const handlers = served.filter((h) => Reflect.getMetadata(ROUTE_METADATA, h.handler) === entry.def);
    if (handlers.length !== 1)
      problems.push(
        `${entry.id} (${key(entry.def.method, entry.def.path)}) is served by ${handlers.length} handlers` +
          (handlers.length ? `: ${handlers.map((h) => h.handlerName).join(', ')}` : ''),
      );
  }
  assert.deepEqual(problems, []);
});

test('the HTTP server routes exactly the table (and the OpenAPI document and its UI)', () => {
  const express = api.api.app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  const routed = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route || DOCS_PATH.test(layer.route.path)) continue;
    for (const [method, on] of Object.entries(layer.route.methods))
      if (on) routed.add(key(method.toUpperCase(), layer.route.path));
  }
  const declared = new Set(table.map((r) => key(r.def.method, expressPath(r.def.path))));
  assert.deepEqual(
    [...routed].filter((r) => !declared.has(r)),
    [],
    'served without a table route',
  );
  assert.deepEqual(
    table.filter((r) => !routed.has(key(r.def.method, expressPath(r.def.path)))).map((r) => r.id),
    [],
    'table routes the server does not route',
  );
});

test('the guard and the interceptors see the access, status and idempotency of the table', () => {
  const reflector = new Reflector();
  const problems: string[] = [];
  for (const handler of served) {
    const def = Reflect.getMetadata(ROUTE_METADATA, handler.handler) as RouteDef | undefined;
    const entry = def && byDef.get(def);
    if (!entry) continue; // the first test names it
    // As AuthGuard reads it: the handler's rule, else its controller's.
    const access = reflector.getAllAndOverride(ACCESS_METADATA, [handler.handler, handler.controller]);
    if (access !== entry.def.access)
      problems.push(`${entry.id}: the guard sees access ${access}, the table ${entry.def.access}`);
    const status = reflector.get(HTTP_CODE_METADATA, handler.handler);
    if (status !== entry.def.status)
      problems.push(`${entry.id}: status ${status}, the table ${entry.def.status}`);
    const idempotent = reflector.get(IDEMPOTENT_METADATA, handler.handler) === true;
    if (idempotent !== (entry.def.idempotent === true))
      problems.push(
        `${entry.id}: Idempotency-Key ${idempotent ? 'accepted' : 'ignored'}, the table says the opposite`,
      );
  }
  assert.deepEqual(problems, []);
});

test('handlers read the path parameters the table names, and validate query and body with its schemas', () => {
  const problems: string[] = [];
  for (const handler of served) {
    const def = Reflect.getMetadata(ROUTE_METADATA, handler.handler) as RouteDef | undefined;
    const entry = def && byDef.get(def);
    if (!entry) continue; // the first test names it
    const args = Object.entries(
      (Reflect.getMetadata(ROUTE_ARGS_METADATA, handler.controller, handler.handler.name) ?? {}) as Record<
        string,
        { data?: unknown; pipes?: unknown[] }
      >,
    ).map(([k, arg]) => ({ type: Number(k.split(':')[0]), ...arg }));
    const names = pathParamNames(entry.def.path);
    for (const arg of args.filter((a) => a.type === RouteParamtypes.PARAM))
      if (typeof arg.data !== 'string' || !names.includes(arg.data))
        problems.push(
          `${entry.id}: ${handler.handlerName} reads path parameter ${String(arg.data)}, not in ${entry.def.path}`,
        );
    for (const [type, schema, what] of [
      [RouteParamtypes.QUERY, entry.def.query, 'query'],
      [RouteParamtypes.BODY, entry.def.body, 'body'],
    ] as const) {
      const read = args.filter((a) => a.type === type);
      const schemas = read.flatMap((a) =>
        (a.pipes ?? []).filter((p) => p instanceof Zod).map((p) => (p as Zod<never>).schema),
      );
      if (schema && (read.length !== 1 || schemas.length !== 1 || schemas[0] !== schema))
        problems.push(
          `${entry.id}: ${handler.handlerName} does not validate its ${what} with the table's schema`,
        );
      if (!schema && read.length > 0)
        problems.push(`${entry.id}: ${handler.handlerName} reads a ${what} the table does not declare`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the OpenAPI document lists every public route of the table as declared, and nothing else', () => {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths))
    for (const method of Object.keys(ops)) listed.add(key(method.toUpperCase(), path));
  const documented = table.filter((r) => !r.def.internal);
  const expected = new Set(documented.map((r) => key(r.def.method, r.def.path)));
  for (const extra of [...listed].filter((l) => !expected.has(l)))
    problems.push(`${extra} is documented but not in the table`);
  for (const { id, def } of documented) {
    const op = doc.paths[def.path]?.[def.method.toLowerCase()];
    if (!op) {
      problems.push(`${id}: ${key(def.method, def.path)} is missing from the document`);
      continue;
    }
    if (op.summary !== def.summary) problems.push(`${id}: summary ${JSON.stringify(op.summary)}`);
    if (!op.tags?.includes(def.tag)) problems.push(`${id}: tags ${JSON.stringify(op.tags)}, not ${def.tag}`);
    const responses = Object.keys(op.responses);
    if (responses.join() !== String(def.status))
      problems.push(`${id}: responses ${responses.join()}, not ${def.status}`);
    const answer = op.responses[String(def.status)]?.content?.['application/json']?.schema;
    if (def.response) {
      if (!isDeepStrictEqual(answer, jsonSchema(def.response, 'output')))
        problems.push(`${id}: response schema differs`);
    } else if (answer !== undefined)
      problems.push(`${id}: a JSON response schema the table does not declare`);
    const body = op.requestBody?.content['application/json']?.schema;
    if (def.body) {
      if (!isDeepStrictEqual(body, jsonSchema(def.body, 'input')))
        problems.push(`${id}: request body schema differs`);
    } else if (body !== undefined) problems.push(`${id}: a JSON request body the table does not declare`);
    if (def.requestBody && def.requestBody !== 'json' && !op.requestBody)
      problems.push(`${id}: its ${def.requestBody} request body is not documented`);
    const params = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`).sort();
    const declared = [
      ...[...def.path.matchAll(/\{(\w+)\}/g)].map((m) => `path:${m[1]}`),
      ...Object.keys(
        (jsonSchema(def.query ?? z.object({}), 'input').properties as object | undefined) ?? {},
      ).map((n) => `query:${n}`),
    ].sort();
    if (params.join() !== declared.join())
      problems.push(
        `${id}: parameters ${params.join(', ') || 'none'}, the table ${declared.join(', ') || 'none'}`,
      );
  }
  assert.deepEqual(problems, []);
});

test('every route answering a list ({ data, nextCursor }) takes cursor and limit', () => {
  const problems: string[] = [];
  for (const { id, def } of table) {
    const schema = def.response && jsonSchema(def.response, 'output');
    const props = (schema?.properties ?? {}) as Record<string, unknown>;
    if (!('data' in props && 'nextCursor' in props)) continue;
    const query = Object.keys((def.query && jsonSchema(def.query, 'input').properties) ?? {});
    if (!query.includes('cursor') || !query.includes('limit'))
      problems.push(`${id} pages without cursor and limit`);
    const op = doc.paths[def.path]?.[def.method.toLowerCase()];
    const documented = (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    if (!def.internal && (!documented.includes('cursor') || !documented.includes('limit')))
      problems.push(`${id}: cursor and limit are not in the OpenAPI document`);
  }
  assert.deepEqual(problems, []);
});
