import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ActionButton } from '@/components/action-button';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { requireViewer } from '@/server/session';
import { deleteWebhook, redeliver, rotateWebhookSecret, setWebhookEnabled } from '../actions';
import { RotateSecretButton } from './rotate-secret-button';

export const metadata: Metadata = { title: 'Webhook' };

export default async function WebhookPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  const { caller } = await requireViewer();
  const path = `/webhooks/${encodeURIComponent(id)}`;
  const query = await searchParams;
  const [hook, deliveries] = await Promise.all([
    api.webhooks.get(caller, id),
    loadListView({ path, params: query, param: 'deliveries', pageSize: PAGE_SIZE }, (cursor) =>
      api.webhooks.deliveries(caller, id, cursor, PAGE_SIZE),
    ),
  ]).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  });
  return (
    <>
      <AutoRefresh />
      <div className="page-header">
        <div>
          <p>
            <Link href="/webhooks">Webhooks</Link> /
          </p>
          <h1 className="row">
            <span className="mono">{hook.url}</span>{' '}
            <StatusBadge status={hook.enabled ? 'enabled' : 'disabled'} />
          </h1>
        </div>
        <div className="row">
          <ActionButton
            action={setWebhookEnabled.bind(null, hook.id, !hook.enabled)}
            label={hook.enabled ? 'Disable' : 'Enable'}
          />
          <RotateSecretButton action={rotateWebhookSecret.bind(null, hook.id)} />
          <ActionButton
            action={deleteWebhook.bind(null, hook.id)}
            label="Delete"
            variant="danger"
            confirm="Delete this endpoint? Its pending deliveries are dropped."
          />
        </div>
      </div>
      <section className="card">
        <dl className="kv">
          <dt>Events</dt>
          <dd>{hook.events.join(', ')}</dd>
          {hook.description && (
            <>
              <dt>Description</dt>
              <dd>{hook.description}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd>{formatDateTime(hook.createdAt)}</dd>
        </dl>
      </section>
      <h2>Delivery log</h2>
      <PagedList
        view={deliveries}
        what="deliveries"
        empty={<EmptyState title="Nothing delivered yet">Events show up here as they are sent.</EmptyState>}
      >
        {(rows) => (
          <div className="table-wrap">
            <table aria-label="Delivery log">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Response</th>
                  <th>Latency</th>
                  <th>Last attempt</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.id} data-testid="delivery-row">
                    <td>
                      <code>{d.eventType}</code>
                      <div className="muted mono">{d.eventId}</div>
                    </td>
                    <td>
                      <StatusBadge status={d.status} />
                      {d.status === 'pending' && d.nextAttemptAt && (
                        <div className="muted">next {formatDateTime(d.nextAttemptAt)}</div>
                      )}
                    </td>
                    <td>{d.attempts}</td>
                    <td>
                      {d.responseStatus ?? '—'}
                      {d.error && <div className="form-error">{d.error}</div>}
                      {d.responseSnippet && (
                        <div className="muted mono" title={d.responseSnippet}>
                          {d.responseSnippet.slice(0, 80)}
                        </div>
                      )}
                    </td>
                    <td>{d.latencyMs === null ? '—' : `${d.latencyMs} ms`}</td>
                    <td>{d.lastAttemptAt ? formatDateTime(d.lastAttemptAt) : '—'}</td>
                    <td>
                      <ActionButton
                        action={redeliver.bind(null, hook.id, d.id)}
                        label="Redeliver"
                        size="small"
                      />
                    </td>
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
