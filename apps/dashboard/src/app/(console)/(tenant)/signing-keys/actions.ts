'use server';

import { CreateSigningKeyInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

type CreatedKey = { id: string; name: string; privateKeyPem: string };

export async function createSigningKey(
  _previous: FormState<CreatedKey>,
  form: FormData,
): Promise<FormState<CreatedKey>> {
  return runAction(async () => {
    const input = validate(CreateSigningKeyInputSchema, { name: text(form, 'name') });
    const created = await api.signingKeys.create(await requireCaller(), input);
    revalidatePath('/signing-keys');
    return { id: created.id, name: created.name, privateKeyPem: created.privateKeyPem };
  });
}

export async function revokeSigningKey(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.signingKeys.revoke(await requireCaller(), id);
    revalidatePath('/signing-keys');
    return null;
  });
}
