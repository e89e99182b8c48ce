'use server';

import {
  CreateLiveStreamInputSchema,
  type PlaybackToken,
  PublishCredentialInputSchema,
  UpdateLiveStreamInputSchema,
} from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import type { FormState } from '@/lib/form-state';
import { parseLadder } from '@/lib/ladder';
import { api } from '@/server/api-client';
import { FormInvalid, runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

/** Lifetime of the tokens the dashboard mints for its own preview and for copy-paste. */
const PREVIEW_TOKEN_TTL_SECONDS = 3600;

function streamFields(form: FormData) {
  return {
    name: text(form, 'name'),
    playbackPolicy: text(form, 'playbackPolicy'),
    record: form.get('record') === 'on',
  };
}

export async function createStream(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(CreateLiveStreamInputSchema, streamFields(form));
    const created = await api.liveStreams.create(await requireCaller(), input);
    revalidatePath('/streams');
    redirect(`/streams/${encodeURIComponent(created.id)}`);
  });
}

export async function updateStream(
  id: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(UpdateLiveStreamInputSchema, streamFields(form));
    await api.liveStreams.update(await requireCaller(), id, input);
    revalidatePath(`/streams/${id}`);
    return null;
  }, 'Saved');
}

/** Sets the stream's rendition ladder (dynamic streaming): its source and one rendition per line. */
export async function setLadder(
  id: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const parsed = parseLadder(String(form.get('renditions') ?? ''));
    if (!parsed.ok) throw new FormInvalid({ renditions: parsed.error });
    const input = validate(UpdateLiveStreamInputSchema, {
      renditionSource: text(form, 'renditionSource'),
      renditions: parsed.ladder,
    });
    await api.liveStreams.update(await requireCaller(), id, input);
    revalidatePath(`/streams/${id}`);
    return null;
  }, 'Saved');
}

export async function revealStreamKey(id: string): Promise<FormState<{ streamKey: string }>> {
  return runAction(async () => api.liveStreams.streamKey(await requireCaller(), id));
}

export async function rotateStreamKey(id: string): Promise<FormState<{ streamKey: string }>> {
  return runAction(async () => {
    const key = await api.liveStreams.rotateKey(await requireCaller(), id);
    revalidatePath(`/streams/${id}`);
    return key;
  });
}

export async function setStreamEnabled(id: string, enabled: boolean): Promise<FormState<null>> {
  return runAction(async () => {
    const caller = await requireCaller();
    await (enabled ? api.liveStreams.enable(caller, id) : api.liveStreams.disable(caller, id));
    revalidatePath(`/streams/${id}`);
    return null;
  });
}

/** Sets or replaces the stream's publish credential (authmod=adobe); the password is not kept here. */
export async function setPublishCredential(
  id: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(PublishCredentialInputSchema, {
      username: text(form, 'username'),
      password: text(form, 'password'),
    });
    await api.liveStreams.setPublishCredential(await requireCaller(), id, input);
    revalidatePath(`/streams/${id}`);
    return null;
  }, 'Saved: encoders must now sign in');
}

export async function removePublishCredential(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.liveStreams.removePublishCredential(await requireCaller(), id);
    revalidatePath(`/streams/${id}`);
    return null;
  });
}

export async function deleteStream(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.liveStreams.remove(await requireCaller(), id);
    revalidatePath('/streams');
    redirect('/streams');
  });
}

export async function mintPlaybackToken(playbackId: string): Promise<FormState<PlaybackToken>> {
  return runAction(async () =>
    api.playbackTokens.create(await requireCaller(), { playbackId, ttlSeconds: PREVIEW_TOKEN_TTL_SECONDS }),
  );
}
