import type { List } from '@tributary/contracts';
import { z } from 'zod';

/** Largest page: bounded work per request (RELIABILITY T10: limit=1000000 is clamped, not refused). */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * contracts' ListQuerySchema semantics, with `limit` clamped to [1, 100]
 * rather than refused when out of range.
 */
export const ListQuery = z.strictObject({
  cursor: z.string().min(1).max(128).optional(),
  limit: z.coerce
    .number({ error: 'expected a number' })
    .int('expected a whole number')
    .transform((n) => Math.min(MAX_PAGE_SIZE, Math.max(1, n)))
    .default(DEFAULT_PAGE_SIZE),
});
export type ListQuery = z.infer<typeof ListQuery>;

/** Prisma arguments for a newest-first page after `cursor` (an id). */
export function pageArgs(q: ListQuery) {
  return {
    take: q.limit + 1,
    orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  };
}

/** Cuts the extra row fetched by pageArgs into nextCursor. */
export function toPage<R extends { id: string }, T>(rows: R[], q: ListQuery, map: (row: R) => T): List<T> {
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { data: page.map(map), nextCursor: more ? (page[page.length - 1]?.id ?? null) : null };
}
