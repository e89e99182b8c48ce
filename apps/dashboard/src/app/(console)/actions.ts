'use server';

import { redirect } from 'next/navigation';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { clearSession, getViewer, storeTenant } from '@/server/session';

/** Acts in another tenant from now on; ids are per tenant, so go back to a list page. */
export async function switchTenant(tenantId: string): Promise<void> {
  const viewer = await getViewer();
  if (!viewer) redirect('/login');
  if (!viewer.tenants.some((t) => t.id === tenantId)) redirect('/streams');
  await storeTenant(tenantId);
  redirect('/streams');
}

export async function signOut(): Promise<void> {
  const viewer = await getViewer();
  if (viewer) {
    try {
      await api.auth.logout(viewer.caller);
    } catch (err) {
      // The dashboard forgets the session either way; an expired one is already gone.
      if (!(err instanceof ApiError)) throw err;
    }
  }
  await clearSession();
  redirect('/login');
}
