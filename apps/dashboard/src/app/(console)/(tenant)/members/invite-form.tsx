'use client';

import { ActionForm, Field } from '@/components/action-form';
import { ShownOnce } from '@/components/shown-once';
import { inviteMember } from './actions';

/** Owners may invite owners; admins members and admins (the api decides either way). */
export function InviteForm({ roles }: { roles: readonly string[] }) {
  return (
    <ActionForm
      action={inviteMember}
      submitLabel="Create invitation"
      resetOnSuccess
      aria-label="Invite a member"
      renderResult={(r) => <ShownOnce title={`Invitation link for ${r.email}`} secret={r.link} />}
    >
      <Field
        name="email"
        label="E-mail"
        type="email"
        required
        maxLength={254}
        placeholder="ada@example.com"
      />
      <Field as="select" name="role" label="Role" defaultValue="member">
        {roles.map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </Field>
      <p className="hint">
        No e-mail is sent: send the link yourself. It works once, for that address, until it expires.
      </p>
    </ActionForm>
  );
}
