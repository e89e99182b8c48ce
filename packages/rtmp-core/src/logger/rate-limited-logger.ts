import type { RtmpLogger } from './rtmp-logger';

export interface LogRateLimit {
  /** Lines that may be written at once. */
  burst: number;
  /** Lines per second the budget refills by. */
  perSecond: number;
}

interface Budget {
  tokens: number;
  at: number;
  suppressed: number;
}

/**
 * A logger whose lines come from one peer (one RTMP connection): it writes at most `burst` lines at
 * once and `perSecond` on average, so a hostile peer cannot make the edge write thousands of lines.
 * Lines over the budget are counted, not written; the count is reported by the next line written
 * (`logSuppressed`) and readable as `suppressed`. `always` writes a line whatever the budget (one
 * 'opened' and one 'closed' line per connection). Children share the budget of their parent.
 */
export class RateLimitedLogger implements RtmpLogger {
  private constructor(
    private readonly inner: RtmpLogger,
    private readonly limit: LogRateLimit,
    private readonly budget: Budget,
    private readonly now: () => number,
  ) {}

  static wrap(inner: RtmpLogger, limit: LogRateLimit, now: () => number = Date.now): RateLimitedLogger {
    return new RateLimitedLogger(inner, limit, { tokens: limit.burst, at: now(), suppressed: 0 }, now);
  }

  /** Lines left out so far. */
  get suppressed(): number {
    return this.budget.suppressed;
  }

  debug(obj: object, msg?: string): void {
    this.write('debug', obj, msg);
  }

  info(obj: object, msg?: string): void {
    this.write('info', obj, msg);
  }

  warn(obj: object, msg?: string): void {
    this.write('warn', obj, msg);
  }

  error(obj: object, msg?: string): void {
    this.write('error', obj, msg);
  }

  /** Writes the line whatever the budget (and reports what was suppressed before it). */
  always(level: 'info' | 'warn', obj: object, msg?: string): void {
    this.inner[level](this.withSuppressed(obj), msg);
  }

  child(bindings: Record<string, unknown>): RtmpLogger {
    return new RateLimitedLogger(this.inner.child(bindings), this.limit, this.budget, this.now);
  }

  private write(level: 'debug' | 'info' | 'warn' | 'error', obj: object, msg?: string): void {
    // A level the logger drops anyway (pino's isLevelEnabled) costs no budget.
    const enabled = (this.inner as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
    if (typeof enabled === 'function' && !enabled.call(this.inner, level)) return;
    const b = this.budget;
    const now = this.now();
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      b.suppressed += 1;
      return;
    }
    b.tokens -= 1;
    this.inner[level](this.withSuppressed(obj), msg);
  }

  private withSuppressed(obj: object): object {
    const n = this.budget.suppressed;
    if (n === 0) return obj;
    this.budget.suppressed = 0;
    return { ...obj, logSuppressed: n };
  }
}
