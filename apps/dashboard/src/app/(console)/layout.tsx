import type { ReactNode } from 'react';
import { NavLink } from '@/components/nav-link';
import { requireViewer } from '@/server/session';
import { signOut } from './actions';
import { TenantSwitcher } from './tenant-switcher';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const viewer = await requireViewer();
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-dot" aria-hidden="true" /> Tributary
        </div>
        {viewer.tenants.length > 1 ? (
          <TenantSwitcher tenants={viewer.tenants} current={viewer.tenant?.id ?? null} />
        ) : (
          viewer.tenant && <div className="muted">{viewer.tenant.name}</div>
        )}
        <nav className="nav" aria-label="Main">
          <span className="nav-section">Streaming</span>
          <NavLink href="/streams">Live streams</NavLink>
          <NavLink href="/events">Live events</NavLink>
          <NavLink href="/assets">Assets</NavLink>
          <NavLink href="/usage">Usage</NavLink>
          <span className="nav-section">Developers</span>
          <NavLink href="/api-keys">API keys</NavLink>
          <NavLink href="/signing-keys">Signing keys</NavLink>
          <NavLink href="/webhooks">Webhooks</NavLink>
          <span className="nav-section">Team</span>
          <NavLink href="/members">Members</NavLink>
          <NavLink href="/account">Account</NavLink>
          {viewer.user.isOperator && (
            <>
              <span className="nav-section">Operator</span>
              <NavLink href="/operator/tenants">Tenants</NavLink>
              <NavLink href="/operator/edges">Edges</NavLink>
            </>
          )}
        </nav>
        <div className="sidebar-footer">
          <span title={viewer.user.email}>{viewer.user.name || viewer.user.email}</span>
          <form action={signOut}>
            <button type="submit" className="secondary small">
              Sign out
            </button>
          </form>
        </div>
      </aside>
      <main className="main">{children}</main>
    </div>
  );
}
