'use client';

import { MAX_USAGE_ALERTS_PER_TENANT } from '@tributary/contracts';
import { ActionForm, Field } from '@/components/action-form';
import { createUsageAlert } from './actions';

export function UsageAlertForm() {
  return (
    <ActionForm
      action={createUsageAlert}
      submitLabel="Add alert"
      resetOnSuccess
      layout="row"
      aria-label="New usage alert"
    >
      <Field as="select" name="metric" label="Metric" defaultValue="egressBytes">
        <option value="viewerMinutes">Viewer-minutes</option>
        <option value="egressBytes">Egress (GB)</option>
        <option value="ingestBytes">Ingest (GB)</option>
      </Field>
      <Field
        name="threshold"
        label="Threshold"
        type="number"
        required
        min="0"
        step="any"
        placeholder="500"
        hint={`Minutes, or GB for egress and ingest; at most ${MAX_USAGE_ALERTS_PER_TENANT} alerts.`}
      />
      <Field as="select" name="period" label="Period" defaultValue="month">
        <option value="day">UTC day</option>
        <option value="month">UTC month</option>
      </Field>
    </ActionForm>
  );
}
