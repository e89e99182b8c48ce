'use server';

import { AcceptInvitationInputSchema } from '@tributary/contracts';
import { redirect } from 'next/navigation';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { membersApi } from '@/server/members-client';
import { clientIp, clientUserAgent, requireCaller, storeSession, storeTenant } from '@/server/session';

/** A new user: the account is created with the invited e-mail, then signed in, in the tenant it joined. */
export async function acceptAsNewUser(
  token: string,
  email: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(AcceptInvitationInputSchema, {
      token,
      name: text(form, 'name'),
      password: form.get('password'),
    });
    const ip = await clientIp();
    const joined = await membersApi.invitations.acceptAsNewUser(input, ip);
    const { session } = await api.auth.login(
      { email, password: input.password },
      ip,
      await clientUserAgent(),
    );
    await storeSession(session.value, session.maxAgeSeconds);
    await storeTenant(joined.tenantId);
    redirect('/streams');
  });
}

/** The signed-in user whose e-mail was invited joins with one click. */
export async function acceptSignedIn(token: string): Promise<FormState<null>> {
  return runAction(async () => {
    const joined = await membersApi.account.acceptInvitation(await requireCaller(), token);
    await storeTenant(joined.tenantId);
    redirect('/streams');
  });
}
