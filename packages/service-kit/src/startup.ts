/**
 * Turns the usual reasons a service cannot start into one clear line, instead
 * of a stack trace wall: a taken port, an unreachable or misnamed database.
 */
export function describeStartupError(
  err: unknown,
  context: { what?: string; setting?: string } = {},
): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const what = context.what ? `${context.what}: ` : '';
  const setting = context.setting ? ` (set ${context.setting} to use another)` : '';
  switch (e?.code) {
    case 'EADDRINUSE':
      return `${what}port ${e.port ?? '?'} on ${e.address ?? 'this host'} is already in use${setting}; stop the other process or choose another port`;
    case 'EACCES':
      return `${what}not allowed to listen on port ${e.port ?? '?'}${setting}`;
    case 'ECONNREFUSED':
      return `${what}connection refused by ${e.address ?? '?'}:${e.port ?? '?'}; is the server running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${what}cannot resolve host ${(e as { hostname?: string }).hostname ?? ''}`.trim();
    case 'ETIMEDOUT':
      return `${what}connection timed out`;
    default:
      return `${what}${e instanceof Error ? e.message : String(err)}`;
  }
}

/** Prints the one line and exits 1. */
export function exitOnStartupError(err: unknown, context: { what?: string; setting?: string } = {}): never {
  process.stderr.write(`error: ${describeStartupError(err, context)}\n`);
  process.exit(1);
}
