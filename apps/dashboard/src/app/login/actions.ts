'use server';

import type { FormState } from '@/lib/form-state';
import { safeNextPath } from '@/lib/safe-redirect';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { storeSession } from '@/server/session';
import { LoginInputSchema } from '@tributary/contracts';
import { redirect } from 'next/navigation';

export async function signIn(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(LoginInputSchema, { email: text(form, 'email'), password: form.get('password') });
    const { session } = await api.auth.login(input);
    await storeSession(session.value, session.maxAgeSeconds);
    redirect(safeNextPath(text(form, 'next')));
  });
}
