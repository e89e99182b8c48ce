'use client';

import { ActionForm, Field } from '@/components/action-form';
import { changePassword } from './actions';

export function PasswordForm() {
  return (
    <ActionForm
      action={changePassword}
      submitLabel="Change password"
      resetOnSuccess
      aria-label="Change password"
      renderResult={(r) => (
        <output className="form-ok" data-testid="password-changed">
          Password changed.{' '}
          {r.signedOut === 0
            ? 'No other session was signed in.'
            : `${r.signedOut} other session${r.signedOut === 1 ? ' was' : 's were'} signed out.`}
        </output>
      )}
    >
      <Field
        name="currentPassword"
        label="Current password"
        type="password"
        required
        autoComplete="current-password"
      />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        required
        minLength={10}
        maxLength={256}
        autoComplete="new-password"
        hint="At least 10 characters. Your other sessions are signed out."
      />
      <Field
        name="confirmPassword"
        label="Repeat the new password"
        type="password"
        required
        autoComplete="new-password"
      />
    </ActionForm>
  );
}
