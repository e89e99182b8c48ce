'use server';

import { CreateLiveEventInputSchema, UpdateLiveEventInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { FormInvalid, runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

function scheduleFields(form: FormData) {
  const scheduledStartAt = text(form, 'scheduledStartAt') ?? null;
  const scheduledEndAt = text(form, 'scheduledEndAt') ?? null;
  if (scheduledStartAt && scheduledEndAt && Date.parse(scheduledEndAt) <= Date.parse(scheduledStartAt)) {
    throw new FormInvalid({ scheduledEndAt: 'The end must come after the start.' });
  }
  return {
    title: text(form, 'title'),
    description: (form.get('description') as string | null) ?? '',
    scheduledStartAt,
    scheduledEndAt,
  };
}

export async function createEvent(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(CreateLiveEventInputSchema, {
      ...scheduleFields(form),
      liveStreamId: text(form, 'liveStreamId'),
    });
    await api.liveEvents.create(await requireCaller(), input);
    revalidatePath('/events');
    return null;
  }, 'Event created');
}

export async function updateEvent(
  id: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(UpdateLiveEventInputSchema, scheduleFields(form));
    await api.liveEvents.update(await requireCaller(), id, input);
    revalidatePath(`/events/${id}`);
    return null;
  }, 'Saved');
}

export async function transitionEvent(
  id: string,
  to: 'live' | 'ended' | 'cancelled',
): Promise<FormState<null>> {
  return runAction(async () => {
    await api.liveEvents.transition(await requireCaller(), id, to);
    revalidatePath('/events');
    revalidatePath(`/events/${id}`);
    return null;
  });
}
