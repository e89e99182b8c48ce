'use client';

import {
  type ComponentProps,
  createContext,
  type ReactNode,
  startTransition,
  use,
  useActionState,
  useEffect,
  useRef,
} from 'react';
import { type FormState, IDLE } from '@/lib/form-state';

/**
 * Forms that call a server action. The browser validates the fields' constraints before
 * sending (required, lengths, types); the action validates again with the contract and
 * answers a FormState whose errors are shown under the fields they name, or beside the
 * submit button. Submitting by hand (not via `<form action>`) keeps what the user typed
 * when the action fails: React resets action forms after every submission.
 */
export type FormAction<R> = (previous: FormState<R>, form: FormData) => Promise<FormState<R>>;

const FieldErrors = createContext<Record<string, string>>({});

type ActionFormProps<R> = {
  action: FormAction<R>;
  submitLabel: string;
  pendingLabel?: string;
  children: ReactNode;
  /** What to show after success (a secret shown once, a confirmation). */
  renderResult?: (result: R) => ReactNode;
  resetOnSuccess?: boolean;
  layout?: 'stack' | 'row';
  'aria-label'?: string;
};

export function ActionForm<R>(props: ActionFormProps<R>) {
  const {
    action,
    submitLabel,
    pendingLabel,
    children,
    renderResult,
    resetOnSuccess,
    layout = 'stack',
  } = props;
  const [state, dispatch, pending] = useActionState(action, IDLE as FormState<R>);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.status === 'ok' && resetOnSuccess) formRef.current?.reset();
  }, [state, resetOnSuccess]);

  const fieldErrors = state.status === 'error' ? state.fieldErrors : {};
  return (
    <FieldErrors value={fieldErrors}>
      <form
        ref={formRef}
        className={layout}
        aria-label={props['aria-label']}
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          startTransition(() => dispatch(data));
        }}
      >
        {children}
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? (pendingLabel ?? `${submitLabel}…`) : submitLabel}
          </button>
          {state.status === 'error' && (
            <span role="alert" className="form-error">
              {state.message}
            </span>
          )}
          {state.status === 'ok' && state.message && <output className="form-ok">{state.message}</output>}
        </div>
      </form>
      {state.status === 'ok' && renderResult?.(state.result)}
    </FieldErrors>
  );
}

type FieldProps = {
  name: string;
  label: string;
  hint?: string;
} & (
  | ({ as?: 'input' } & ComponentProps<'input'>)
  | ({ as: 'select' } & ComponentProps<'select'>)
  | ({ as: 'textarea' } & ComponentProps<'textarea'>)
);

/** A labelled control whose error (from the browser or the action) appears under it. */
export function Field(props: FieldProps) {
  const error = use(FieldErrors)[props.name];
  const id = `field-${props.name}`;
  const describedBy = error ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy } as const;
  let control: ReactNode;
  if (props.as === 'select') {
    const { as: _as, label: _label, hint: _hint, ...rest } = props;
    control = <select {...rest} {...common} />;
  } else if (props.as === 'textarea') {
    const { as: _as, label: _label, hint: _hint, ...rest } = props;
    control = <textarea {...rest} {...common} />;
  } else {
    const { as: _as, label: _label, hint: _hint, ...rest } = props;
    control = <input {...rest} {...common} />;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {control}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : (
        props.hint && (
          <span id={`${id}-hint`} className="hint">
            {props.hint}
          </span>
        )
      )}
    </div>
  );
}
