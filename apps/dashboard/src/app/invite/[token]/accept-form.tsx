'use client';

import { ActionForm, Field } from '@/components/action-form';
import { acceptAsNewUser } from './actions';

export function AcceptForm({ token, email }: { token: string; email: string }) {
  return (
    <ActionForm
      action={acceptAsNewUser.bind(null, token, email)}
      submitLabel="Join"
      aria-label="Accept the invitation"
    >
      <Field name="email" label="E-mail" value={email} readOnly disabled />
      <Field name="name" label="Your name" required maxLength={100} autoComplete="name" />
      <Field
        name="password"
        label="Password"
        type="password"
        required
        minLength={10}
        maxLength={256}
        autoComplete="new-password"
        hint="At least 10 characters."
      />
    </ActionForm>
  );
}
