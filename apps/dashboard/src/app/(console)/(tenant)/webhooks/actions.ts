'use server';

import { CreateWebhookEndpointInputSchema, WEBHOOK_EVENT_TYPES } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

const known = new Set<string>(WEBHOOK_EVENT_TYPES);
const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

export async function createWebhook(
  _previous: FormState<{ id: string; url: string; secret: string }>,
  form: FormData,
): Promise<FormState<{ id: string; url: string; secret: string }>> {
  return runAction(async () => {
    const input = validate(CreateWebhookEndpointInputSchema, {
      url: text(form, 'url'),
      description: text(form, 'description') ?? '',
      events: form.getAll('events').filter((e) => typeof e === 'string' && known.has(e)),
    });
    const created = await api.webhooks.create(await requireCaller(), input);
    revalidatePath('/webhooks');
    return { id: created.id, url: created.url, secret: created.secret };
  });
}

export async function setWebhookEnabled(id: string, enabled: boolean): Promise<FormState<null>> {
  return runAction(async () => {
    await api.webhooks.update(await requireCaller(), id, { enabled });
    revalidatePath(path(id));
    return null;
  });
}

export async function rotateWebhookSecret(id: string): Promise<FormState<{ secret: string }>> {
  return runAction(async () => {
    const rotated = await api.webhooks.rotateSecret(await requireCaller(), id);
    return { secret: rotated.secret };
  });
}

export async function deleteWebhook(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.webhooks.remove(await requireCaller(), id);
    revalidatePath('/webhooks');
    redirect('/webhooks');
  });
}

export async function redeliver(id: string, deliveryId: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.webhooks.redeliver(await requireCaller(), id, deliveryId);
    revalidatePath(path(id));
    return null;
  }, 'Queued again');
}
