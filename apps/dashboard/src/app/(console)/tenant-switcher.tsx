'use client';

import { useTransition } from 'react';
import type { TenantChoice } from '@/server/session';
import { switchTenant } from './actions';

export function TenantSwitcher({ tenants, current }: { tenants: TenantChoice[]; current: string | null }) {
  const [pending, startTransition] = useTransition();
  return (
    <label className="field">
      <span className="muted">Tenant</span>
      <select
        aria-label="Tenant"
        value={current ?? ''}
        disabled={pending}
        onChange={(event) => {
          const id = event.target.value;
          startTransition(() => switchTenant(id));
        }}
      >
        {tenants.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
    </label>
  );
}
