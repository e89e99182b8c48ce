'use client';

import { ActionButton } from '@/components/action-button';
import { ShownOnce } from '@/components/shown-once';
import type { FormState } from '@/lib/form-state';

/** Rotate the signing secret; the new one is shown once, here. */
export function RotateSecretButton({ action }: { action: () => Promise<FormState<{ secret: string }>> }) {
  return (
    <ActionButton
      action={action}
      label="Rotate secret"
      confirm="Replace the signing secret? Deliveries from now on are signed with the new one."
      render={(r) => <ShownOnce title="New signing secret" secret={r.secret} />}
    />
  );
}
