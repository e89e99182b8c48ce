import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * zod → JSON Schema for the OpenAPI document: the same schemas that validate (DEVELOPERS.md: one validation
 * library). @Route documents each operation with it from its route-table entry.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
