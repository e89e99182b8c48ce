'use client';

import { ActionForm, Field } from '@/components/action-form';
import { signIn } from './actions';

export function LoginForm({ next }: { next: string | null }) {
  return (
    <ActionForm action={signIn} submitLabel="Sign in" pendingLabel="Signing in…" aria-label="Sign in">
      <input type="hidden" name="next" value={next ?? ''} />
      <Field name="email" label="Email" type="email" autoComplete="username" required maxLength={254} />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        maxLength={256}
      />
    </ActionForm>
  );
}
