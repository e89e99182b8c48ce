'use client';

import { ActionForm, Field } from '@/components/action-form';
import { createTenant } from '../actions';

/** Caps on what the tenant may hold (active objects); empty keeps the platform default (the api's TENANT_MAX_*). */
const QUOTAS = [
  { name: 'quotaLiveStreams', label: 'Stream quota' },
  { name: 'quotaLiveEvents', label: 'Event quota' },
  { name: 'quotaAssets', label: 'Asset quota' },
  { name: 'quotaApiKeys', label: 'API key quota' },
  { name: 'quotaSigningKeys', label: 'Signing key quota' },
] as const;

export function CreateTenantForm() {
  return (
    <ActionForm action={createTenant} submitLabel="Create tenant" resetOnSuccess aria-label="New tenant">
      <Field name="name" label="Name" required maxLength={100} placeholder="Acme Media" />
      <div className="grid-2">
        <Field
          name="maxLiveStreams"
          label="Max live streams"
          type="number"
          min={0}
          max={100000}
          hint="Empty: no limit."
        />
        <Field
          name="maxViewers"
          label="Max concurrent viewers"
          type="number"
          min={0}
          max={10000000}
          hint="Empty: no limit."
        />
      </div>
      <fieldset className="grid-2">
        <legend>Quotas</legend>
        {QUOTAS.map((q) => (
          <Field
            key={q.name}
            name={q.name}
            label={q.label}
            type="number"
            min={0}
            max={1000000}
            hint="Empty: platform default."
          />
        ))}
      </fieldset>
    </ActionForm>
  );
}
