import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { revokeSigningKey } from './actions';
import { CreateSigningKeyForm } from './create-signing-key-form';

export const metadata: Metadata = { title: 'Signing keys' };

export default async function SigningKeysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const keys = await loadListView(
    { path: '/signing-keys', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.signingKeys.list(caller, cursor, PAGE_SIZE),
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Signing keys</h1>
          <p>
            Sign playback tokens for streams with the <em>signed</em> policy in your own backend: put the key
            id in the JWT <code>kid</code> header. Tributary keeps only the public key.
          </p>
        </div>
      </div>
      <section className="card">
        <h2>New signing key</h2>
        <CreateSigningKeyForm />
      </section>
      <PagedList
        view={keys}
        what="signing keys"
        empty={
          <EmptyState title="No signing keys yet">
            You need one only to mint tokens yourself; this console can mint preview tokens without it.
          </EmptyState>
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Key id (kid)</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((k) => (
                  <tr key={k.id} data-testid="signing-key-row">
                    <td>{k.name}</td>
                    <td className="mono">{k.id}</td>
                    <td>{formatDateTime(k.createdAt)}</td>
                    <td>
                      {k.revokedAt ? (
                        <StatusBadge status="revoked" />
                      ) : (
                        <ActionButton
                          action={revokeSigningKey.bind(null, k.id)}
                          label="Revoke"
                          variant="danger"
                          size="small"
                          confirm={`Revoke "${k.name}"? Tokens signed with it stop playing.`}
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
