import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a wait in a test may take before it fails the test, unless the caller gives its own
 * deadline. Below the 120 s timeout test files give their suites, so the wait's own message (what it
 * waited for) is the failure a reader sees, not a bare "test timed out".
 */
export const DEFAULT_WAIT_MS = 60_000;

/** A wait in a test that ran past its deadline. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  /** What the wait is for, named in the failure ("the viewer count to reach 1"). */
  readonly what?: string;
  /** Deadline in milliseconds; DEFAULT_WAIT_MS when absent. */
  readonly timeoutMs?: number;
  /** Interval between checks. */
  readonly stepMs?: number;
}

/**
 * Polls `check` until it holds, for conditions a test cannot be told about by an event. Rejects with
 * a WaitTimeoutError naming `what` once the deadline passes (no timing assertion: the deadline only
 * turns a hang into a clear failure).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what ?? 'a condition', timeoutMs);
    await sleep(options.stepMs ?? 50);
  }
}

/**
 * `promise`, or a WaitTimeoutError naming `what` if it has not settled within `timeoutMs`: for waits on
 * one event (a log line, a child's exit, a socket's close). The timer is cleared once `promise` settles.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs: number = DEFAULT_WAIT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
