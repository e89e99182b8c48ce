import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** zod → JSON Schema for the OpenAPI document: the same schemas that validate (DEVELOPERS.md: one validation library). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Documents one operation: summary, request body and success response from zod schemas. */
export function ApiDoc(opts: { summary: string; body?: z.ZodType; response?: z.ZodType; status?: number }) {
  return applyDecorators(
    ApiOperation({ summary: opts.summary }),
    ...(opts.body ? [ApiBody({ schema: jsonSchema(opts.body, 'input') as object })] : []),
    ApiResponse({
      status: opts.status ?? 200,
      description: opts.response ? 'OK' : 'No content',
      ...(opts.response ? { schema: jsonSchema(opts.response, 'output') as object } : {}),
    }),
  );
}
