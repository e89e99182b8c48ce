'use client';

import type { LiveEvent } from '@tributary/contracts';
import { ActionForm, Field, type FormAction } from '@/components/action-form';
import { ScheduleField } from '@/components/schedule-field';

type StreamOption = { id: string; name: string };

/** Create (with a stream to use) and edit form of a live event. */
export function EventForm({
  action,
  event,
  streams,
  submitLabel,
}: {
  action: FormAction<null>;
  event?: LiveEvent;
  /** Offered when creating; an event keeps its stream. */
  streams?: StreamOption[];
  submitLabel: string;
}) {
  return (
    <ActionForm action={action} submitLabel={submitLabel} resetOnSuccess={!event} aria-label="Live event">
      <Field
        name="title"
        label="Title"
        required
        maxLength={200}
        defaultValue={event?.title}
        placeholder="Launch keynote"
      />
      {streams && (
        <Field
          as="select"
          name="liveStreamId"
          label="Live stream"
          required
          hint="The stream your encoder publishes to."
        >
          {streams.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </Field>
      )}
      <Field
        as="textarea"
        name="description"
        label="Description"
        maxLength={5000}
        rows={3}
        defaultValue={event?.description}
      />
      <div className="grid-2">
        <ScheduleField
          name="scheduledStartAt"
          label="Scheduled start"
          initial={event?.scheduledStartAt ?? null}
        />
        <ScheduleField name="scheduledEndAt" label="Scheduled end" initial={event?.scheduledEndAt ?? null} />
      </div>
    </ActionForm>
  );
}
