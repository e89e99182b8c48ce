'use client';

import { ActionForm, Field } from '@/components/action-form';
import { ShownOnce } from '@/components/shown-once';
import { createEdge } from '../actions';

export function CreateEdgeForm() {
  return (
    <ActionForm
      action={createEdge}
      submitLabel="Register edge"
      resetOnSuccess
      aria-label="Register edge"
      renderResult={(e) => <ShownOnce title={`EDGE_API_TOKEN for "${e.name}"`} secret={e.credential} />}
    >
      <div className="grid-2">
        <Field name="name" label="Name" required maxLength={100} placeholder="edge-par-1" />
        <Field name="region" label="Region" required maxLength={64} placeholder="eu-west" />
        <Field
          name="rtmpUrl"
          label="RTMP URL"
          type="url"
          required
          maxLength={300}
          placeholder="rtmp://edge-par-1.example:1935"
        />
        <Field
          name="httpUrl"
          label="HTTP URL"
          type="url"
          required
          maxLength={300}
          placeholder="https://edge-par-1.example"
        />
        <Field
          name="capacity"
          label="Capacity (connections)"
          type="number"
          min={1}
          max={1000000}
          placeholder="1000"
        />
      </div>
    </ActionForm>
  );
}
