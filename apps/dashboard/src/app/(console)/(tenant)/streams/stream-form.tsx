'use client';

import type { LiveStream } from '@tributary/contracts';
import { ActionForm, Field, type FormAction } from '@/components/action-form';

/** Create and settings form of a live stream (name, playback policy, recording). */
export function StreamForm({
  action,
  stream,
  submitLabel,
}: {
  action: FormAction<null>;
  stream?: Pick<LiveStream, 'name' | 'playbackPolicy' | 'record'>;
  submitLabel: string;
}) {
  return (
    <ActionForm action={action} submitLabel={submitLabel} aria-label="Live stream settings">
      <Field
        name="name"
        label="Name"
        required
        maxLength={100}
        defaultValue={stream?.name}
        placeholder="Sunday service"
        hint="Only you see this name."
      />
      <Field
        as="select"
        name="playbackPolicy"
        label="Playback policy"
        defaultValue={stream?.playbackPolicy ?? 'public'}
        hint="Signed streams play only with a token minted by your backend (or this console)."
      >
        <option value="public">Public: anyone with the playback URL</option>
        <option value="signed">Signed: playback needs a token</option>
      </Field>
      <label className="row">
        <input type="checkbox" name="record" defaultChecked={stream?.record ?? false} /> Record sessions
      </label>
    </ActionForm>
  );
}
