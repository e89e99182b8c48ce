/**
 * What a server action tells the form that called it. Shared by server actions and the
 * client form components; plain data only (it crosses the server/browser boundary).
 */
export type FormState<R = null> =
  | { status: 'idle' }
  | { status: 'error'; message: string; fieldErrors: Record<string, string> }
  | { status: 'ok'; result: R; message?: string };

export const IDLE: FormState<never> = { status: 'idle' };
