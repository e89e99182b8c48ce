'use client';

import { startTransition, useActionState } from 'react';
import { type FormState, IDLE } from '@/lib/form-state';

type ActionButtonProps<R> = {
  /** A server action with its arguments bound (e.g. `disableStream.bind(null, id)`). */
  action: () => Promise<FormState<R>>;
  label: string;
  pendingLabel?: string;
  /** Asked before destructive actions. */
  confirm?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  size?: 'small' | 'normal';
  render?: (result: R) => React.ReactNode;
};

/** One button, one server action; its error is shown right beside it. */
export function ActionButton<R>(props: ActionButtonProps<R>) {
  const { action, label, pendingLabel, confirm, variant = 'secondary', size = 'normal', render } = props;
  const [state, dispatch, pending] = useActionState<FormState<R>>(() => action(), IDLE as FormState<R>);
  const className = [variant === 'primary' ? '' : variant, size === 'small' ? 'small' : ''].join(' ').trim();
  return (
    <span className="row">
      <button
        type="button"
        className={className || undefined}
        disabled={pending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          startTransition(() => dispatch());
        }}
      >
        {pending ? (pendingLabel ?? `${label}…`) : label}
      </button>
      {state.status === 'error' && (
        <span role="alert" className="form-error">
          {state.message}
        </span>
      )}
      {state.status === 'ok' && render?.(state.result)}
    </span>
  );
}
