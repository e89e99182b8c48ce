import { MAX_PAGE_SIZE } from '@tributary/contracts';
import { SdkErrorCode, TributaryError } from './errors';

/** A list answer: one page of items and the cursor of the next (null on the last page). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Any list endpoint: it takes `query.cursor` and answers a Page. */
// biome-ignore lint/suspicious/noExplicitAny: the endpoint's own argument type is taken as it is (see ListArgs)
type ListEndpoint<T = unknown> = (...args: any[]) => Promise<Page<T>>;
type ListArgs<E extends ListEndpoint> = NonNullable<Parameters<E>[0]>;
type ItemOf<E extends ListEndpoint> = Awaited<ReturnType<E>>['data'][number];

export interface PageOptions {
  /** Stop with a TributaryError `pagination_limit` rather than ask for more than this many pages (default 1,000). */
  maxPages?: number;
}

export interface ListAllOptions extends PageOptions {
  /** Reject with `pagination_limit` when the list holds more than this many items (default 10,000). */
  maxItems?: number;
}

export const DEFAULT_MAX_PAGES = 1000;
export const DEFAULT_MAX_ITEMS = 10_000;

function limitError(name: string, message: string): TributaryError {
  return new TributaryError({
    status: 0,
    code: SdkErrorCode.paginationLimit,
    message: `${name}: ${message}`,
    route: name,
  });
}

function nameOf(endpoint: ListEndpoint): string {
  return (endpoint as { routeName?: string }).routeName ?? 'list';
}

/**
 * Every page of a list, following `nextCursor` from the first page `args` asks for (its query's `limit`
 * is the largest page, 100, unless given). Ends on the last page; throws TributaryError
 * `pagination_limit` past `maxPages`, or when the server hands back a cursor it already gave (a
 * server-side loop would otherwise be followed for ever).
 */
export async function* pages<E extends ListEndpoint>(
  endpoint: E,
  args?: ListArgs<E>,
  options: PageOptions = {},
): AsyncGenerator<Awaited<ReturnType<E>>, void, undefined> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const name = nameOf(endpoint);
  const base = (args ?? {}) as { query?: Record<string, unknown> };
  const query: Record<string, unknown> = { limit: MAX_PAGE_SIZE, ...(base.query ?? {}) };
  const seen = new Set<string>();
  if (typeof query.cursor === 'string') seen.add(query.cursor);
  for (let n = 1; ; n++) {
    if (n > maxPages) throw limitError(name, `more than ${maxPages} pages (maxPages)`);
    const page = (await endpoint({ ...base, query })) as Awaited<ReturnType<E>>;
    yield page;
    const next = page.nextCursor;
    if (next === null || next === undefined) return;
    if (seen.has(next))
      throw limitError(name, `the api repeated cursor ${JSON.stringify(next.slice(0, 64))}`);
    seen.add(next);
    query.cursor = next;
  }
}

/**
 * Every item of a list, page after page (see `pages`): `for await (const s of paginate(tb.liveStreams.list))`.
 * Breaking out of the loop stops asking for pages.
 */
export async function* paginate<E extends ListEndpoint>(
  endpoint: E,
  args?: ListArgs<E>,
  options: PageOptions = {},
): AsyncGenerator<ItemOf<E>, void, undefined> {
  for await (const page of pages(endpoint, args, options)) yield* page.data as ItemOf<E>[];
}

/** The whole list as one array, refusing (TributaryError `pagination_limit`) one longer than `maxItems`. */
export async function listAll<E extends ListEndpoint>(
  endpoint: E,
  args?: ListArgs<E>,
  options: ListAllOptions = {},
): Promise<ItemOf<E>[]> {
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const out: ItemOf<E>[] = [];
  for await (const item of paginate(endpoint, args, options)) {
    if (out.length >= maxItems) throw limitError(nameOf(endpoint), `more than ${maxItems} items (maxItems)`);
    out.push(item);
  }
  return out;
}
