'use client';

import { ActionForm, Field } from '@/components/action-form';
import { ShownOnce } from '@/components/shown-once';
import { createApiKey } from './actions';

export function CreateApiKeyForm() {
  return (
    <ActionForm
      action={createApiKey}
      submitLabel="Create API key"
      resetOnSuccess
      aria-label="New API key"
      renderResult={(r) => <ShownOnce title={`API key "${r.name}"`} secret={r.key} />}
    >
      <Field
        name="name"
        label="Name"
        required
        maxLength={100}
        placeholder="CI deploys"
        hint="Where the key is used."
      />
      <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="muted">Scopes</legend>
        <label className="row">
          <input type="checkbox" name="scopes" value="read" defaultChecked /> read
        </label>
        <label className="row">
          <input type="checkbox" name="scopes" value="write" defaultChecked /> write
        </label>
      </fieldset>
    </ActionForm>
  );
}
