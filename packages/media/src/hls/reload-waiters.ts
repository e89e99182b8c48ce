// Pending blocking playlist reloads (draft-pantos-hls-rfc8216bis §6.2.5.2): each waits for a media
// sequence number (and part) to appear, and is released, rejected or aborted exactly once.
import { MuxError, MuxErrorCode } from '../errors';

interface Waiter {
  readonly msn: number;
  readonly part: number | undefined;
  readonly settle: (error?: MuxError) => void;
}

export class ReloadWaiters {
  private readonly waiters = new Set<Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  /** A promise settled by `release` or `rejectAll`, or rejected MUX_ERR_ABORTED when `signal` fires. */
  wait(msn: number, part: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new MuxError(MuxErrorCode.Aborted, 'request aborted'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.settle(new MuxError(MuxErrorCode.Aborted, 'request aborted'));
      const waiter: Waiter = {
        msn,
        part,
        settle: (error) => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolves every waiter whose segment or part `ready` says is there. */
  release(ready: (msn: number, part: number | undefined) => boolean): void {
    for (const waiter of [...this.waiters]) if (ready(waiter.msn, waiter.part)) waiter.settle();
  }

  rejectAll(error: MuxError): void {
    for (const waiter of [...this.waiters]) waiter.settle(error);
  }
}
