'use server';

import { CreateInvitationInputSchema, MemberRoleSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { config } from '@/config';
import type { FormState } from '@/lib/form-state';
import { runAction, text, validate } from '@/server/form-action';
import { membersApi } from '@/server/members-client';
import { requireCaller } from '@/server/session';

/** Where browsers reach this dashboard: PUBLIC_URL, else the origin this request came to. */
async function dashboardOrigin(): Promise<string> {
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  const h = await headers();
  const host = h.get('x-forwarded-host') ?? h.get('host') ?? '127.0.0.1:3000';
  const proto = (h.get('x-forwarded-proto') ?? 'http').split(',')[0]?.trim() || 'http';
  return `${proto}://${host}`;
}

export type CreatedInvite = { email: string; link: string };

/** Invites by e-mail; the link (the token in the dashboard's /invite page) is shown once. */
export async function inviteMember(
  _previous: FormState<CreatedInvite>,
  form: FormData,
): Promise<FormState<CreatedInvite>> {
  return runAction(async () => {
    const input = validate(CreateInvitationInputSchema, {
      email: text(form, 'email'),
      role: text(form, 'role'),
    });
    const created = await membersApi.invitations.create(await requireCaller(), input);
    revalidatePath('/members');
    const link = new URL(`/invite/${encodeURIComponent(created.token)}`, await dashboardOrigin()).toString();
    return { email: created.email, link };
  });
}

export async function revokeInvitation(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await membersApi.invitations.revoke(await requireCaller(), id);
    revalidatePath('/members');
    return null;
  });
}

export async function changeRole(
  userId: string,
  _previous: FormState<null>,
  form: FormData,
): Promise<FormState<null>> {
  return runAction(async () => {
    const { role } = validate(z.object({ role: MemberRoleSchema }), { role: text(form, 'role') });
    await membersApi.members.changeRole(await requireCaller(), userId, role);
    revalidatePath('/members');
    return null;
  }, 'Saved');
}

export async function removeMember(userId: string): Promise<FormState<null>> {
  return runAction(async () => {
    await membersApi.members.remove(await requireCaller(), userId);
    revalidatePath('/members');
    return null;
  });
}

/** The signed-in user leaves the current tenant (any role but the last owner). */
export async function leaveTenant(tenantId: string): Promise<FormState<null>> {
  return runAction(async () => {
    await membersApi.account.leave(await requireCaller(), tenantId);
    redirect('/streams');
  });
}
