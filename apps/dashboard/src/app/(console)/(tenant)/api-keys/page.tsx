import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime, formatRelative } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { revokeApiKey } from './actions';
import { CreateApiKeyForm } from './create-api-key-form';

export const metadata: Metadata = { title: 'API keys' };

export default async function ApiKeysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const keys = await loadListView(
    { path: '/api-keys', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.apiKeys.list(caller, cursor, PAGE_SIZE),
  );
  const now = new Date();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>API keys</h1>
          <p>
            Server-to-server access to the REST API: send <code>Authorization: Bearer &lt;key&gt;</code>.
          </p>
        </div>
      </div>
      <section className="card">
        <h2>New API key</h2>
        <CreateApiKeyForm />
      </section>
      <PagedList
        view={keys}
        what="API keys"
        empty={
          <EmptyState title="No API keys yet">
            Create one above to automate streams and tokens from your backend.
          </EmptyState>
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Key</th>
                  <th>Scopes</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((k) => (
                  <tr key={k.id} data-testid="api-key-row">
                    <td>{k.name}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{formatDateTime(k.createdAt)}</td>
                    <td>{formatRelative(k.lastUsedAt, now)}</td>
                    <td>
                      {k.revokedAt ? (
                        <StatusBadge status="revoked" />
                      ) : (
                        <ActionButton
                          action={revokeApiKey.bind(null, k.id)}
                          label="Revoke"
                          variant="danger"
                          size="small"
                          confirm={`Revoke "${k.name}"? Requests using it fail from now on.`}
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
