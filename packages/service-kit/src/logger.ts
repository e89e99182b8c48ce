import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Service name, in every line as `service`. */
  name: string;
  level?: string;
  /** json: one JSON object per line; pretty: colourised for a terminal; auto: pretty when stdout is a TTY. */
  format?: 'json' | 'pretty' | 'auto';
}

/**
 * Secrets never reach the logs: these paths are censored wherever they appear
 * in a log object (docs/reliability.md: secrets-at-rest).
 */
export const REDACT_PATHS = [
  'streamKey',
  '*.streamKey',
  'token',
  '*.token',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  // the one-time secret of a created API key is returned as `key`
  'key',
  '*.key',
  'credential',
  '*.credential',
  'privateKeyPem',
  '*.privateKeyPem',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    base: { service: opts.name },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    transport: pretty
      ? {
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' },
        }
      : undefined,
  });
}
