'use server';

import { CreateApiKeyInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

export async function createApiKey(
  _previous: FormState<{ key: string; name: string }>,
  form: FormData,
): Promise<FormState<{ key: string; name: string }>> {
  return runAction(async () => {
    const input = validate(CreateApiKeyInputSchema, {
      name: text(form, 'name'),
      scopes: form.getAll('scopes'),
    });
    const created = await api.apiKeys.create(await requireCaller(), input);
    revalidatePath('/api-keys');
    return { key: created.key, name: created.name };
  });
}

export async function revokeApiKey(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.apiKeys.revoke(await requireCaller(), id);
    revalidatePath('/api-keys');
    return null;
  });
}
