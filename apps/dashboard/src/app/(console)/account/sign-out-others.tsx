'use client';

import { ActionButton } from '@/components/action-button';
import { signOutOtherSessions } from './actions';

export function SignOutOthersButton() {
  return (
    <ActionButton
      action={signOutOtherSessions}
      label="Sign out all other sessions"
      variant="danger"
      size="small"
      confirm="Sign out every other browser signed in to your account?"
      render={(r) => <output className="form-ok">{r.signedOut} signed out.</output>}
    />
  );
}
