'use server';

import { ChangePasswordInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { FormInvalid, runAction, validate } from '@/server/form-action';
import { membersApi } from '@/server/members-client';
import { requireCaller } from '@/server/session';

export async function changePassword(
  _previous: FormState<{ signedOut: number }>,
  form: FormData,
): Promise<FormState<{ signedOut: number }>> {
  return runAction(async () => {
    const input = validate(ChangePasswordInputSchema, {
      currentPassword: form.get('currentPassword'),
      newPassword: form.get('newPassword'),
    });
    if (form.get('confirmPassword') !== input.newPassword)
      throw new FormInvalid({ confirmPassword: 'does not match the new password' });
    const result = await membersApi.account.changePassword(await requireCaller(), input);
    revalidatePath('/account');
    return result;
  });
}

export async function signOutSession(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await membersApi.account.signOutSession(await requireCaller(), id);
    revalidatePath('/account');
    return null;
  });
}

export async function signOutOtherSessions(): Promise<FormState<{ signedOut: number }>> {
  return runAction(async () => {
    const result = await membersApi.account.signOutOthers(await requireCaller());
    revalidatePath('/account');
    return result;
  });
}
