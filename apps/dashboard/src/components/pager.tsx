import Link from 'next/link';
import type { ReactNode } from 'react';
import type { ListView, Pager as PagerLinks } from '@/lib/pagination';

/**
 * A list read page by page (lib/pagination.ts loadListView): its rows through `children`, the pager under
 * them, `empty` when the list has no rows at all, and a clear way back when the link's page is gone.
 * `what` names the rows in the messages and the pager's label ("live streams").
 */
export function PagedList<T>({
  view,
  what,
  empty,
  children,
}: {
  view: ListView<T>;
  what: string;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  if (view.kind === 'gone') return <PageGone what={what} reason={view.reason} firstHref={view.firstHref} />;
  if (view.rows.length === 0 && view.firstPage) return <>{empty}</>;
  return (
    <>
      {children(view.rows)}
      <Pager pager={view.pager} what={what} />
    </>
  );
}

/** Newest · Newer · "Showing 51–100" · Older under a list; nothing when the list fits on one page. */
export function Pager({ pager, what }: { pager: PagerLinks; what: string }) {
  if (!pager.newest && !pager.older) return null;
  return (
    <nav className="row" aria-label={`Pages of ${what}`} style={{ margin: '12px 0' }} data-testid="pager">
      {pager.newest && pager.newest !== pager.newer ? (
        <Link className="button" href={pager.newest} prefetch={false}>
          Newest
        </Link>
      ) : null}
      {pager.newer ? (
        <Link className="button" href={pager.newer} prefetch={false} rel="prev">
          ← Newer
        </Link>
      ) : null}
      {pager.showing ? (
        <span className="muted" data-testid="pager-position">
          Showing {pager.showing.from}–{pager.showing.to}
        </span>
      ) : null}
      {pager.older ? (
        <Link className="button" href={pager.older} prefetch={false} rel="next">
          Older →
        </Link>
      ) : null}
    </nav>
  );
}

/** What a list shows when its link's page cannot be shown (cut, edited or stale): why, and the first page. */
export function PageGone({ what, reason, firstHref }: { what: string; reason: string; firstHref: string }) {
  return (
    <div className="card empty" role="alert" data-testid="page-gone">
      <h2>This page of {what} cannot be shown</h2>
      <p>{reason}</p>
      <Link className="button" href={firstHref}>
        Go to the first page
      </Link>
    </div>
  );
}
