'use client';

import { useEffect, useRef, useState } from 'react';
import { isoToLocalInput, localInputToIso } from '@/lib/schedule';

/**
 * A date-time picker in the viewer's own zone that submits an ISO-8601 instant (hidden
 * input `name`). The wall-clock value is filled in after mount: the server does not know
 * the browser's zone, so rendering it there would not match the page the browser draws.
 */
export function ScheduleField({
  name,
  label,
  initial,
}: {
  name: string;
  label: string;
  initial: string | null;
}) {
  const [local, setLocal] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const initialLocal = initial ? isoToLocalInput(initial, new Date(initial).getTimezoneOffset()) : '';
    setLocal(initialLocal);
    // A controlled input ignores form.reset(): follow the form's reset by hand.
    const form = inputRef.current?.form;
    const onReset = () => setLocal(initialLocal);
    form?.addEventListener('reset', onReset);
    return () => form?.removeEventListener('reset', onReset);
  }, [initial]);
  const iso = local ? localInputToIso(local, new Date(local).getTimezoneOffset()) : null;
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        type="datetime-local"
        value={local}
        onChange={(e) => setLocal(e.target.value)}
      />
      <input type="hidden" name={name} value={iso ?? ''} />
    </div>
  );
}
