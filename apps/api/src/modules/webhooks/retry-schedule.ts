/**
 * When a failed delivery is tried again: base · 2^(attempts−1), capped, with ±20 % jitter so receivers that
 * come back are not hit by every delivery at once; given up (failed) only once the event is older than the
 * retry window, so with the defaults (10 s doubling to 1 h, 24 h) a receiver down for a day still gets it.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  windowMs: number;
}

export function retryDelayMs(attempts: number, p: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.max(1, Math.round(exp * (0.8 + 0.4 * random())));
}

/** The next attempt's time, or undefined when the window is over (the delivery is then failed). */
export function nextAttemptAt(
  eventCreatedMs: number,
  attempts: number,
  nowMs: number,
  p: RetryPolicy,
  random?: () => number,
): number | undefined {
  if (nowMs - eventCreatedMs >= p.windowMs) return undefined;
  return nowMs + retryDelayMs(attempts, p, random);
}
