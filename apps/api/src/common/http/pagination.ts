import { type List, ListQuerySchema } from '@tributary/contracts';
import type { z } from 'zod';

/** The list query of every endpoint (contracts: cursor + limit clamped to [1, 100]). */
export const ListQuery = ListQuerySchema;
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
