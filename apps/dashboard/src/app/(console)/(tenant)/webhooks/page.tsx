import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { CreateWebhookForm } from './create-webhook-form';

export const metadata: Metadata = { title: 'Webhooks' };

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const hooks = await loadListView(
    { path: '/webhooks', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.webhooks.list(caller, cursor, PAGE_SIZE),
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Webhooks</h1>
          <p>
            Your backend is told when streams go live or idle, events start and end, assets are ready and
            usage crosses an alert's threshold: signed <code>POST</code>s with{' '}
            <code>Tributary-Signature: t=…,v1=…</code> (HMAC-SHA256 of <code>t.body</code> with the secret).
          </p>
        </div>
      </div>
      <section className="card">
        <h2>New endpoint</h2>
        <CreateWebhookForm />
      </section>
      <PagedList
        view={hooks}
        what="webhook endpoints"
        empty={<EmptyState title="No webhook endpoints yet">Add one above to receive events.</EmptyState>}
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>URL</th>
                  <th>Events</th>
                  <th>Status</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((h) => (
                  <tr key={h.id} data-testid="webhook-row">
                    <td className="mono">
                      <Link href={`/webhooks/${encodeURIComponent(h.id)}`}>{h.url}</Link>
                      {h.description && <div className="muted">{h.description}</div>}
                    </td>
                    <td>{h.events.join(', ')}</td>
                    <td>
                      <StatusBadge status={h.enabled ? 'enabled' : 'disabled'} />
                    </td>
                    <td>{formatDateTime(h.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedList>
    </>
  );
}
