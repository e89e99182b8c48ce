import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { PagedList } from '@/components/pager';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { membersApi } from '@/server/members-client';
import { requireViewer } from '@/server/session';
import { signOutSession } from './actions';
import { PasswordForm } from './password-form';
import { SignOutOthersButton } from './sign-out-others';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller, user } = await requireViewer();
  const sessions = await loadListView(
    { path: '/account', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => membersApi.account.sessions(caller, cursor, PAGE_SIZE),
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Account</h1>
          <p>
            Signed in as {user.name} ({user.email}).
          </p>
        </div>
      </div>
      <section className="card">
        <h2>Password</h2>
        <PasswordForm />
      </section>
      <section className="card">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2>Sessions</h2>
          <SignOutOthersButton />
        </div>
        <PagedList view={sessions} what="sessions" empty={<p className="muted">No sessions.</p>}>
          {(rows) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Signed in</th>
                    <th>From</th>
                    <th>Browser</th>
                    <th>Expires</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id} data-testid="session-row" data-current={s.current ? 'true' : 'false'}>
                      <td>{formatDateTime(s.createdAt)}</td>
                      <td className="mono">{s.ip ?? '—'}</td>
                      <td className="muted">{s.userAgent ?? '—'}</td>
                      <td>{formatDateTime(s.expiresAt)}</td>
                      <td>
                        {s.current ? (
                          <span className="badge badge-active">this session</span>
                        ) : (
                          <ActionButton
                            action={signOutSession.bind(null, s.id)}
                            label="Sign out"
                            variant="secondary"
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
      </section>
    </>
  );
}
