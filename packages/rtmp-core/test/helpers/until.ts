import { waitUntil } from '@tributary/test-kit';

/** How long `until` waits before it fails the test. */
const UNTIL_DEADLINE_MS = 30_000;

/** Waits for a condition the test cannot be told about by an event (checked every 10 ms), with a deadline. */
export function until(condition: () => boolean): Promise<void> {
  return waitUntil(condition, { timeoutMs: UNTIL_DEADLINE_MS, stepMs: 10, what: String(condition) });
}
