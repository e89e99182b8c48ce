import { applyDecorators, HttpCode, RequestMapping, RequestMethod, SetMetadata } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { expressPath, pathParamNames, type RouteBody, type RouteDef } from '@tributary/contracts';
import { Access } from '../auth/access.decorator';
import { jsonSchema } from './api-doc.decorator';
import { Idempotent } from './idempotency.interceptor';

/** The route-table entry a handler is bound to (read by the route-table test). */
export const ROUTE_METADATA = 'tributary:route';

const METHODS: Record<RouteDef['method'], RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
  HEAD: RequestMethod.HEAD,
  OPTIONS: RequestMethod.OPTIONS,
};

/** Media types of the non-JSON bodies, as the OpenAPI document names them. */
const MEDIA_TYPES: Record<RouteBody, string> = {
  json: 'application/json',
  multipart: 'multipart/form-data',
  tus: 'application/offset+octet-stream',
  binary: 'application/octet-stream',
  xml: 'application/smil+xml',
  text: 'text/plain',
  redirect: 'text/plain',
  stream: 'text/event-stream',
};

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] };

/**
 * Binds a handler to its route-table entry (packages/contracts/src/routes), the one declaration of
 * the route: HTTP method and path, who may call it (@Access), its success status (@HttpCode),
 * Idempotency-Key when the entry is idempotent, and its OpenAPI operation (tag, summary, path and
 * query parameters, request body and response), or none for an internal route. Controllers carry no
 * path prefix (`@Controller()`); body and query pipes take their schemas from the same entry:
 * `@Body(new Zod(routes.liveStreams.create.body, 'body'))`.
 */
export function Route(def: RouteDef): MethodDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_METADATA, def),
    RequestMapping({ path: expressPath(def.path), method: METHODS[def.method] }),
    Access(def.access),
    HttpCode(def.status),
    ...(def.idempotent ? [Idempotent()] : []),
    ...(def.internal ? [ApiExcludeEndpoint()] : openApi(def)),
  );
}

function openApi(def: RouteDef): Array<ClassDecorator | MethodDecorator | PropertyDecorator> {
  const decorators: Array<ClassDecorator | MethodDecorator | PropertyDecorator> = [
    ApiTags(def.tag),
    ApiOperation({ summary: def.summary }),
  ];
  for (const name of pathParamNames(def.path))
    decorators.push(ApiParam({ name, required: true, schema: { type: 'string' } }));
  if (def.query) {
    const schema = jsonSchema(def.query, 'input') as JsonSchema;
    const required = new Set(schema.required ?? []);
    for (const [name, property] of Object.entries(schema.properties ?? {}))
      decorators.push(ApiQuery({ name, required: required.has(name), schema: property }));
  }
  if (def.body) decorators.push(ApiBody({ schema: jsonSchema(def.body, 'input') as object }));
  else if (def.requestBody === 'multipart')
    decorators.push(
      ApiConsumes(MEDIA_TYPES.multipart),
      ApiBody({
        schema: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' } },
          additionalProperties: { type: 'string' },
        },
      }),
    );
  else if (def.requestBody && def.requestBody !== 'json')
    decorators.push(
      ApiConsumes(MEDIA_TYPES[def.requestBody]),
      ApiBody({ schema: { type: 'string', format: 'binary' }, required: false }),
    );
  decorators.push(
    ApiResponse({
      status: def.status,
      description: def.response || def.responseBody ? 'OK' : 'No content',
      ...(def.response
        ? { schema: jsonSchema(def.response, 'output') as object }
        : def.responseBody && def.responseBody !== 'json'
          ? { content: { [MEDIA_TYPES[def.responseBody]]: { schema: { type: 'string' } } } }
          : {}),
    }),
  );
  return decorators;
}
