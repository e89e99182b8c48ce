/**
 * The minimal logging interface rtmp-core needs. A pino logger satisfies it as is; the package itself
 * depends on no logging library (DEVELOPERS.md: dependencies point one way). Fields go in `obj`, the message is a constant string (DEVELOPERS.md: logs are structured fields).
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
