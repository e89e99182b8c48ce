'use client';

import { ActionForm, Field } from '@/components/action-form';
import { createTenant } from '../actions';

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
    </ActionForm>
  );
}
