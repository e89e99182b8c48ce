import { CURSOR_PATTERN } from '@tributary/contracts';

/**
 * Paging through the api's lists (`{ data, nextCursor }`, newest first, `?cursor=` of the last row seen).
 *
 * The api's cursors go forward only, so a page's URL carries the trail of cursors that led to it: one search
 * parameter per list (`?page=` for a page's main list; a detail page names each of its lists, e.g.
 * `?sessions=` and `?recordings=`), holding the cursors of this page and every newer one, oldest page last,
 * joined by dots. "Older" appends the list's nextCursor, "Newer" drops the last cursor, the first page has
 * no parameter. The trail is bounded (MAX_TRAIL cursors): past it the newest cursors are dropped and their
 * count is kept in front (`"3~c4.c5"`), so the position stays known and "Newest" still leads home.
 *
 * Whatever arrives in the URL is checked before anything is asked of the api: a cut, edited or stale link
 * becomes a "gone" view (a clear message and a link to the first page), never an error page.
 */

/** What a page's search parameters look like (Next's `searchParams`). */
export type SearchParams = Readonly<Record<string, string | string[] | undefined>>;

/** One page of an api list. */
export type ListPage<T> = { data: T[]; nextCursor: string | null };

/** Rows per page of a page's main list. */
export const PAGE_SIZE = 50;
/** Rows per page of a list inside a detail page (a stream's sessions and recordings), kept short. */
export const DETAIL_PAGE_SIZE = 10;

/** Cursors the URL keeps per list (20 pages back; beyond, only "Newest" leads to the pages before). */
export const MAX_TRAIL = 20;
/** What the api accepts as a cursor (a row key): anything else in the URL is refused here first. */
const CURSOR = CURSOR_PATTERN;
/** Pages dropped from the front of the trail: a count shown as a position, so any number past this is forged. */
const MAX_DROPPED = 1_000_000;
const DROPPED = /^(\d{1,7})~/;
/** The longest parameter a valid trail makes: MAX_TRAIL cursors, their dots and the dropped count. */
const MAX_PARAM_LENGTH = MAX_TRAIL * (128 + 1) + 8;

/** Where a list is: the cursor to ask the api for and the trail that led there. */
export type PagePosition = {
  /** The search parameter carrying this list's trail. */
  param: string;
  /** The cursor of this page (the last of the trail); undefined on the first page. */
  cursor: string | undefined;
  /** The cursors of this page and the newer pages still in the URL, newest page first. */
  trail: readonly string[];
  /** Pages between the first page and trail[0]'s whose cursors were dropped to keep the URL short. */
  dropped: number;
};

export type PageRead = { ok: true; position: PagePosition } | { ok: false; param: string; reason: string };

/** The reasons a list shows no rows but a way back (shown under the "cannot be shown" heading). */
export const GONE_REASONS = {
  malformed: 'Its link is not one this dashboard made: it may have been cut short or edited.',
  stale:
    'The rows it started after are gone (deleted since the link was made), or the link belongs elsewhere.',
} as const;

/** Reads list `param` from the page's search parameters; a bad value never reaches the api. */
export function readPage(params: SearchParams, param: string): PageRead {
  const raw = params[param];
  if (raw === undefined || raw === '')
    return { ok: true, position: { param, cursor: undefined, trail: [], dropped: 0 } };
  const bad = { ok: false, param, reason: GONE_REASONS.malformed } as const;
  if (typeof raw !== 'string' || raw.length > MAX_PARAM_LENGTH) return bad;
  const head = DROPPED.exec(raw);
  const dropped = head ? Number(head[1]) : 0;
  const trail = (head ? raw.slice(head[0].length) : raw).split('.');
  if (dropped > MAX_DROPPED || trail.length > MAX_TRAIL || !trail.every((c) => CURSOR.test(c))) return bad;
  return { ok: true, position: { param, cursor: trail[trail.length - 1], trail, dropped } };
}

/** The value of a list's parameter for a trail (null: the first page, no parameter). */
function encodeTrail(trail: readonly string[], dropped: number): string | null {
  if (trail.length === 0) return null;
  return `${dropped > 0 ? `${dropped}~` : ''}${trail.join('.')}`;
}

/** `path` with the page's search parameters, list `param` set to `value` (or removed when null). */
export function hrefWith(path: string, params: SearchParams, param: string, value: string | null): string {
  const query = new URLSearchParams();
  for (const [name, v] of Object.entries(params)) {
    if (name === param || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) query.append(name, one);
  }
  if (value !== null) query.set(param, value);
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** What the pager under a list shows; every link keeps the page's other parameters (other lists' trails). */
export type Pager = {
  /** The rows' position in the whole list, 1-based ("Showing 51–100"); null for an empty page. */
  showing: { from: number; to: number } | null;
  /** The first page; null on it. */
  newest: string | null;
  /** The page before this one; null on the first page and when its cursor was dropped from the trail. */
  newer: string | null;
  /** The page after this one; null on the last page. */
  older: string | null;
};

export function pagerFor(options: {
  path: string;
  params: SearchParams;
  position: PagePosition;
  rows: number;
  nextCursor: string | null;
  pageSize: number;
}): Pager {
  const { path, params, position, rows, nextCursor, pageSize } = options;
  const { param, trail, dropped } = position;
  const link = (t: readonly string[], d: number) => hrefWith(path, params, param, encodeTrail(t, d));
  const onFirst = trail.length === 0;
  const from = (dropped + trail.length) * pageSize + 1;
  let older: string | null = null;
  if (nextCursor !== null && CURSOR.test(nextCursor)) {
    const longer = [...trail, nextCursor];
    const cut = Math.max(0, longer.length - MAX_TRAIL);
    older = link(longer.slice(cut), dropped + cut);
  }
  return {
    showing: rows > 0 ? { from, to: from + rows - 1 } : null,
    newest: onFirst ? null : link([], 0),
    newer: onFirst || (trail.length === 1 && dropped > 0) ? null : link(trail.slice(0, -1), dropped),
    older,
  };
}

/** A list as a page shows it: its rows and pager, or "gone" with the way back to its first page. */
export type ListView<T> =
  | { kind: 'rows'; rows: T[]; pager: Pager; firstPage: boolean }
  | { kind: 'gone'; reason: string; firstHref: string };

/**
 * Reads list `param`'s position from the page's search parameters, loads that page with `load` (the api
 * client's list call, given the cursor) and returns what to show. A malformed trail is not loaded; a page
 * past the first that comes back empty (its cursor's row was deleted, or names another list's row) is "gone".
 */
export async function loadListView<T>(
  options: { path: string; params: SearchParams; param: string; pageSize: number },
  load: (cursor: string | undefined) => Promise<ListPage<T>>,
): Promise<ListView<T>> {
  const { path, params, param, pageSize } = options;
  const firstHref = hrefWith(path, params, param, null);
  const read = readPage(params, param);
  if (!read.ok) return { kind: 'gone', reason: read.reason, firstHref };
  const { position } = read;
  const page = await load(position.cursor);
  if (position.cursor !== undefined && page.data.length === 0)
    return { kind: 'gone', reason: GONE_REASONS.stale, firstHref };
  const pager = pagerFor({
    path,
    params,
    position,
    rows: page.data.length,
    nextCursor: page.nextCursor,
    pageSize,
  });
  return { kind: 'rows', rows: page.data, pager, firstPage: position.cursor === undefined };
}
