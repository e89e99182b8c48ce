import { CURSOR_PATTERN } from '@tributary/contracts';
import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * A list page by page with plain links, for the members and account pages until they move onto the
 * shared pager: `?<param>=<cursor>` is the page after that row ("Older"), no parameter the first page
 * ("Newest"). A cursor the api would refuse is never sent: the list says so and links to its first page.
 */
export type SimpleList<T> =
  | { kind: 'rows'; rows: T[]; olderHref: string | null; newestHref: string | null }
  | { kind: 'gone'; firstHref: string };

type Params = Readonly<Record<string, string | string[] | undefined>>;

function hrefWith(path: string, params: Params, param: string, value: string | null): string {
  const query = new URLSearchParams();
  for (const [name, v] of Object.entries(params)) {
    if (name === param || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) query.append(name, one);
  }
  if (value !== null) query.set(param, value);
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function loadSimpleList<T>(
  options: { path: string; params: Params; param: string },
  load: (cursor: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>,
): Promise<SimpleList<T>> {
  const { path, params, param } = options;
  const raw = params[param];
  const firstHref = hrefWith(path, params, param, null);
  if (raw !== undefined && (typeof raw !== 'string' || !CURSOR_PATTERN.test(raw)))
    return { kind: 'gone', firstHref };
  const page = await load(raw);
  if (raw !== undefined && page.data.length === 0) return { kind: 'gone', firstHref };
  return {
    kind: 'rows',
    rows: page.data,
    olderHref: page.nextCursor ? hrefWith(path, params, param, page.nextCursor) : null,
    newestHref: raw !== undefined ? firstHref : null,
  };
}

export function SimplePagedList<T>({
  view,
  what,
  empty,
  children,
}: {
  view: SimpleList<T>;
  what: string;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  if (view.kind === 'gone')
    return (
      <div className="card empty" role="alert" data-testid="page-gone">
        <h2>This page of {what} cannot be shown</h2>
        <p>Its link is not one this dashboard made, or the rows it started after are gone.</p>
        <Link className="button" href={view.firstHref}>
          Go to the first page
        </Link>
      </div>
    );
  if (view.rows.length === 0 && !view.newestHref) return <>{empty}</>;
  return (
    <>
      {children(view.rows)}
      {(view.olderHref || view.newestHref) && (
        <nav className="row" aria-label={`Pages of ${what}`} style={{ margin: '12px 0' }}>
          {view.newestHref && (
            <Link className="button" href={view.newestHref} prefetch={false}>
              Newest
            </Link>
          )}
          {view.olderHref && (
            <Link className="button" href={view.olderHref} prefetch={false} rel="next">
              Older →
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
