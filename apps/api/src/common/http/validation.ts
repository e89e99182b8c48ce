import { type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppError, ErrorCode, type ErrorDetail } from '../errors';

/** zod issues → the envelope's field details; unknown keys name each field (mass assignment, docs/reliability.md: mass-assignment). */
export function issuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue): ErrorDetail[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: issue.message }];
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(ErrorCode.validationFailed, `${what} is invalid`, issuesToDetails(result.error));
  }
  return result.data;
}

/** `@Body(new Zod(schema))`, `@Query(new Zod(schema))`: one validation library, everywhere (DEVELOPERS.md: one validation library). */
export class Zod<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    readonly schema: S,
    private readonly what = 'request',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value ?? {}, this.what);
  }
}
