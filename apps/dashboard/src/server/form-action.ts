import 'server-only';
import { redirect, unstable_rethrow } from 'next/navigation';
import type { z } from 'zod';
import type { FormState } from '@/lib/form-state';
import { ApiError } from './api-error';

/**
 * Server actions validate their form with the contract's input schema before anything
 * is sent to the api, and turn every failure into a FormState the form shows next to
 * the field (or button) that caused it.
 */
export class FormInvalid extends Error {
  constructor(readonly fieldErrors: Record<string, string>) {
    super('Some fields need attention.');
  }
}

/** Parses form fields (already converted to their JSON types) with a contract schema. */
export function validate<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    fieldErrors[field] ??= issue.message;
  }
  throw new FormInvalid(fieldErrors);
}

/** A text field of a form, trimmed; absent and empty read as undefined. */
export function text(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Runs the body of an action and maps failures: invalid fields and api errors become an
 * error state (the api's `details` land on their fields); an expired session goes back to
 * sign-in; Next's redirect passes through.
 */
export async function runAction<R>(body: () => Promise<R>, okMessage?: string): Promise<FormState<R>> {
  try {
    const result = await body();
    return okMessage === undefined ? { status: 'ok', result } : { status: 'ok', result, message: okMessage };
  } catch (err) {
    unstable_rethrow(err); // Next's redirect/notFound signals are not failures
    if (err instanceof FormInvalid) {
      return { status: 'error', message: err.message, fieldErrors: err.fieldErrors };
    }
    if (err instanceof ApiError && err.isUnauthenticated) redirect('/login');
    if (err instanceof ApiError) {
      const fieldErrors: Record<string, string> = {};
      for (const d of err.details) fieldErrors[d.field] ??= d.message;
      return { status: 'error', message: err.message, fieldErrors };
    }
    throw err;
  }
}
