/**
 * The minimal logging interface rtmp-core needs. A pino logger satisfies it as is; the package itself
 * depends on no logging library (STYLE 1). Fields go in `obj`, the message is a constant string (STYLE 28).
 */
export interface RtmpLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): RtmpLogger;
}

const noop = (): void => undefined;

/** The default: discards everything. */
export const silentLogger: RtmpLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
