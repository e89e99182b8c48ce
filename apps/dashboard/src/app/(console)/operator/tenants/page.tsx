import type { Tenant } from '@tributary/contracts';
import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { setTenantStatus } from '../actions';
import { CreateTenantForm } from './create-tenant-form';

export const metadata: Metadata = { title: 'Tenants' };

/** "streams 5 · events default · …": a tenant's own quotas, "default" where the platform's applies. */
function quotaSummary(t: Tenant): string {
  const q = (n: number | null) => (n === null ? 'default' : String(n));
  return [
    `streams ${q(t.quotaLiveStreams)}`,
    `events ${q(t.quotaLiveEvents)}`,
    `assets ${q(t.quotaAssets)}`,
    `API keys ${q(t.quotaApiKeys)}`,
    `signing keys ${q(t.quotaSigningKeys)}`,
  ].join(' · ');
}

export default async function TenantsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const tenants = await loadListView(
    { path: '/operator/tenants', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.tenants.list(caller, cursor, PAGE_SIZE),
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Tenants</h1>
          <p>
            Each tenant owns its streams, events, keys and usage. Suspending one refuses its publishes and
            plays.
          </p>
        </div>
      </div>
      <section className="card">
        <h2>New tenant</h2>
        <CreateTenantForm />
      </section>
      <PagedList
        view={tenants}
        what="tenants"
        empty={
          <EmptyState title="No tenants yet">
            Create the first tenant above, then switch to it to add streams.
          </EmptyState>
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th>Max streams</th>
                  <th>Max viewers</th>
                  <th title="Streams, events, API keys and signing keys the tenant may hold">Quotas</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => (
                  <tr key={t.id} data-testid="tenant-row">
                    <td>{t.name}</td>
                    <td>
                      <StatusBadge status={t.status} />
                    </td>
                    <td>{t.maxLiveStreams ?? 'no limit'}</td>
                    <td>{t.maxViewers ?? 'no limit'}</td>
                    <td data-testid="tenant-quotas">{quotaSummary(t)}</td>
                    <td>{formatDateTime(t.createdAt)}</td>
                    <td>
                      {t.status === 'active' ? (
                        <ActionButton
                          action={setTenantStatus.bind(null, t.id, 'suspended')}
                          label="Suspend"
                          variant="danger"
                          size="small"
                          confirm={`Suspend "${t.name}"? Its live streams stop and new ones are refused.`}
                        />
                      ) : (
                        <ActionButton
                          action={setTenantStatus.bind(null, t.id, 'active')}
                          label="Reactivate"
                          size="small"
                        />
                      )}
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
