'use client';

import { ActionForm, Field } from '@/components/action-form';
import { ShownOnce } from '@/components/shown-once';
import { createSigningKey } from './actions';

export function CreateSigningKeyForm() {
  return (
    <ActionForm
      action={createSigningKey}
      submitLabel="Create signing key"
      resetOnSuccess
      aria-label="New signing key"
      renderResult={(k) => (
        <ShownOnce
          title={`Private key of "${k.name}" (kid ${k.id})`}
          secret={k.privateKeyPem}
          filename={`${k.id}.pem`}
        />
      )}
    >
      <Field name="name" label="Name" required maxLength={100} placeholder="web backend" />
    </ActionForm>
  );
}
