import type { MemberRole } from '@tributary/contracts';
import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { membersApi } from '@/server/members-client';
import { requireViewer } from '@/server/session';
import { leaveTenant, removeMember, revokeInvitation } from './actions';
import { InviteForm } from './invite-form';
import { RoleForm } from './role-form';

export const metadata: Metadata = { title: 'Members' };

const ALL_ROLES: readonly MemberRole[] = ['owner', 'admin', 'member'];

export default async function MembersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller, user, tenant } = await requireViewer();
  // Without a tenant the layout says why; nothing to list.
  if (!tenant) return null;
  const params = await searchParams;
  // Operators act as owners; the api applies the member policy whatever this page shows.
  const role: MemberRole = user.isOperator
    ? 'owner'
    : (user.memberships.find((m) => m.tenantId === tenant.id)?.role ?? 'member');
  const manages = role !== 'member';
  // Admins manage members and admins, never owners (apps/api member policy).
  const grantable = role === 'owner' ? ALL_ROLES : ALL_ROLES.filter((r) => r !== 'owner');
  const [members, invitations] = await Promise.all([
    loadListView({ path: '/members', params, param: 'page', pageSize: PAGE_SIZE }, (cursor) =>
      membersApi.members.list(caller, cursor, PAGE_SIZE),
    ),
    manages
      ? loadListView({ path: '/members', params, param: 'invitations', pageSize: PAGE_SIZE }, (cursor) =>
          membersApi.invitations.list(caller, cursor, PAGE_SIZE),
        )
      : null,
  ]);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Members</h1>
          <p>
            Who can sign in to {tenant.name}: owners manage everyone, admins manage members and admins,
            members can look but not change.
          </p>
        </div>
      </div>
      {manages && (
        <section className="card">
          <h2>Invite</h2>
          <InviteForm roles={grantable} />
        </section>
      )}
      <section className="card">
        <h2>Members</h2>
        <PagedList
          view={members}
          what="members"
          empty={<EmptyState title="No members">Invite someone above.</EmptyState>}
        >
          {(rows) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>E-mail</th>
                    <th>Role</th>
                    <th>Joined</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((m) => {
                    const editable = manages && (role === 'owner' || m.role !== 'owner');
                    const self = m.userId === user.id;
                    return (
                      <tr key={m.userId} data-testid="member-row" data-email={m.email}>
                        <td>
                          {m.name}
                          {self && <span className="muted"> (you)</span>}
                        </td>
                        <td>{m.email}</td>
                        <td>
                          {editable ? (
                            <RoleForm userId={m.userId} name={m.name} role={m.role} roles={grantable} />
                          ) : (
                            <StatusBadge status={m.role} />
                          )}
                        </td>
                        <td>{formatDateTime(m.createdAt)}</td>
                        <td>
                          {(editable || self) && (
                            <ActionButton
                              action={
                                self && tenant
                                  ? leaveTenant.bind(null, tenant.id)
                                  : removeMember.bind(null, m.userId)
                              }
                              label={self ? 'Leave' : 'Remove'}
                              variant="danger"
                              size="small"
                              confirm={
                                self
                                  ? `Leave ${tenant.name}? You lose access at once.`
                                  : `Remove ${m.name} (${m.email})? They lose access at once.`
                              }
                            />
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </PagedList>
      </section>
      {invitations && (
        <section className="card">
          <h2>Pending invitations</h2>
          <PagedList
            view={invitations}
            what="invitations"
            empty={<p className="muted">No pending invitations.</p>}
          >
            {(rows) => (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>E-mail</th>
                      <th>Role</th>
                      <th>Invited by</th>
                      <th>Expires</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((i) => (
                      <tr key={i.id} data-testid="invitation-row" data-email={i.email}>
                        <td>{i.email}</td>
                        <td>{i.role}</td>
                        <td>{i.invitedBy?.name ?? '—'}</td>
                        <td>{formatDateTime(i.expiresAt)}</td>
                        <td>
                          {(role === 'owner' || i.role !== 'owner') && (
                            <ActionButton
                              action={revokeInvitation.bind(null, i.id)}
                              label="Revoke"
                              variant="danger"
                              size="small"
                              confirm={`Revoke the invitation for ${i.email}? Its link stops working.`}
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
      )}
    </>
  );
}
