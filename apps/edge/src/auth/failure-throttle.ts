/**
 * After this many failures an IP gets one attempt per second (docs/reliability.md: broken-credentials:
 * after five failures an address is held to one attempt a second).
 */
const SLOT_MS = 1000;
/** An IP that has not failed for this long starts again with a clean record. */
const FAILURE_MEMORY_MS = 10 * 60_000;
/** Attempts queued further ahead than this are refused outright instead of holding a socket open. */
const MAX_DELAY_MS = 10_000;
/** Bounds memory under a flood from many addresses; the oldest records go first. */
const MAX_TRACKED_IPS = 50_000;

interface IpRecord {
  failures: number;
  lastFailureAt: number;
  nextSlotAt: number;
}

export type Admission = { admitted: true; delayMs: number } | { admitted: false };

/**
 * Brute-force brake for stream keys and playback tokens: each IP may fail a few times freely, then
 * its attempts are spaced one slot apart (delayed, or refused when the queue of slots is long).
 */
export class FailureThrottle {
  private readonly records = new Map<string, IpRecord>();

  constructor(
    private readonly failuresBeforeDelay: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call before checking credentials from `ip`; wait `delayMs` before answering. */
  admit(ip: string): Admission {
    const record = this.current(ip);
    if (!record || record.failures < this.failuresBeforeDelay) return { admitted: true, delayMs: 0 };
    const now = this.now();
    const slot = Math.max(now, record.nextSlotAt);
    if (slot - now > MAX_DELAY_MS) return { admitted: false };
    record.nextSlotAt = slot + SLOT_MS;
    return { admitted: true, delayMs: slot - now };
  }

  recordFailure(ip: string): void {
    const now = this.now();
    const record = this.current(ip) ?? { failures: 0, lastFailureAt: now, nextSlotAt: now };
    record.failures += 1;
    record.lastFailureAt = now;
    this.records.delete(ip);
    this.records.set(ip, record);
    for (const oldest of this.records.keys()) {
      if (this.records.size <= MAX_TRACKED_IPS) break;
      this.records.delete(oldest);
    }
  }

  recordSuccess(ip: string): void {
    this.records.delete(ip);
  }

  private current(ip: string): IpRecord | undefined {
    const record = this.records.get(ip);
    if (record && this.now() - record.lastFailureAt > FAILURE_MEMORY_MS) {
      this.records.delete(ip);
      return undefined;
    }
    return record;
  }
}
