import { SdkErrorCode, TributaryError } from './errors';

/** What a query parameter may be given as: sent as its string form (a Date as ISO-8601). */
export type QueryScalar = string | number | boolean | bigint | Date;
export type QueryValue = QueryScalar | readonly QueryScalar[] | null | undefined;

function scalar(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(key, `${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(key, 'is an invalid Date');
    return value.toISOString();
  }
  throw invalid(key, `a ${value === null ? 'null' : typeof value} cannot be sent in a query`);
}

function invalid(key: string, why: string): TributaryError {
  return new TributaryError({
    status: 0,
    code: SdkErrorCode.invalidRequest,
    message: `query parameter ${key}: ${why}`,
  });
}

/**
 * A query object as URL search parameters, in the object's key order: undefined and null are left out,
 * an array repeats its key once per element, numbers, booleans and bigints are their String(), Dates their
 * ISO-8601 form. Anything else (an object, a function, NaN) throws a TributaryError `invalid_request`.
 */
export function encodeQuery(query: Record<string, unknown> | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (query === undefined) return params;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, scalar(key, item));
    else params.append(key, scalar(key, value));
  }
  return params;
}
