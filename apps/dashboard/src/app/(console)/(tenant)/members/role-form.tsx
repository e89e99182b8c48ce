'use client';

import type { MemberRole } from '@tributary/contracts';
import { ActionForm } from '@/components/action-form';
import { changeRole } from './actions';

/** A member's role, changed in place (one per row: a plain select named for the member, not a page-wide Field id). */
export function RoleForm({
  userId,
  name,
  role,
  roles,
}: {
  userId: string;
  name: string;
  role: MemberRole;
  roles: readonly MemberRole[];
}) {
  return (
    <ActionForm
      action={changeRole.bind(null, userId)}
      submitLabel="Change"
      layout="row"
      aria-label={`Role of ${name}`}
    >
      <select name="role" aria-label={`Role of ${name}`} defaultValue={role}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </ActionForm>
  );
}
