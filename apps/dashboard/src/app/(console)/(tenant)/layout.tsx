import Link from 'next/link';
import type { ReactNode } from 'react';
import { EmptyState } from '@/components/empty-state';
import { requireViewer } from '@/server/session';

/** Tenant-scoped pages need a tenant: an operator on a fresh install creates one first. */
export default async function TenantLayout({ children }: { children: ReactNode }) {
  const viewer = await requireViewer();
  if (viewer.tenant) return children;
  return (
    <EmptyState
      title="No tenant yet"
      action={viewer.user.isOperator ? <Link href="/operator/tenants">Create a tenant</Link> : undefined}
    >
      {viewer.user.isOperator
        ? 'Streams, events and keys belong to a tenant. Create the first tenant, then pick it in the switcher.'
        : 'Your account is not a member of any tenant yet. Ask an operator to add you.'}
    </EmptyState>
  );
}
