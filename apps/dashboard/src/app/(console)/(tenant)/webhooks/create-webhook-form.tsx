'use client';

import { WEBHOOK_EVENT_TYPES } from '@tributary/contracts';
import Link from 'next/link';
import { ActionForm, Field } from '@/components/action-form';
import { ShownOnce } from '@/components/shown-once';
import { createWebhook } from './actions';

export function CreateWebhookForm() {
  return (
    <ActionForm
      action={createWebhook}
      submitLabel="Add endpoint"
      resetOnSuccess
      aria-label="New webhook endpoint"
      renderResult={(r) => (
        <>
          <ShownOnce title={`Signing secret for ${r.url}`} secret={r.secret} />
          <p>
            <Link href={`/webhooks/${encodeURIComponent(r.id)}`}>Open the endpoint and its delivery log</Link>
          </p>
        </>
      )}
    >
      <Field
        name="url"
        label="URL"
        required
        maxLength={2048}
        placeholder="https://hooks.example.com/tributary"
        hint="Public http(s) address; private and loopback addresses are refused."
      />
      <Field name="description" label="Description" maxLength={200} placeholder="Production backend" />
      <fieldset className="row" style={{ border: 0, padding: 0, margin: 0, flexWrap: 'wrap' }}>
        <legend className="muted">Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="row">
            <input
              type="checkbox"
              name="events"
              value={type}
              defaultChecked={type.startsWith('live_stream.')}
            />{' '}
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
    </ActionForm>
  );
}
