'use server';

import { LoginInputSchema } from '@tributary/contracts';
import { redirect } from 'next/navigation';
import type { FormState } from '@/lib/form-state';
import { safeNextPath } from '@/lib/safe-redirect';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { FormInvalid, runAction, text, validate } from '@/server/form-action';
import { clientIp, clientUserAgent, storeSession } from '@/server/session';

export async function signIn(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(LoginInputSchema, { email: text(form, 'email'), password: form.get('password') });
    const { session } = await api.auth
      .login(input, await clientIp(), await clientUserAgent())
      .catch((err: unknown) => {
        // Wrong credentials: say so under the password, not "session expired" (runAction's 401 rule).
        if (err instanceof ApiError && err.isUnauthenticated)
          throw new FormInvalid({ password: err.message });
        throw err;
      });
    await storeSession(session.value, session.maxAgeSeconds);
    redirect(safeNextPath(text(form, 'next')));
  });
}
