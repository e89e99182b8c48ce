import type { RtmpLogger } from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';

/**
 * rtmp-core logs the publishing name as `stream` on its publish lines, and for ingest that name is
 * the stream key, which must never reach a log (RELIABILITY T4). This adapter censors the field on
 * those lines and passes everything else to pino unchanged (play names are public playback ids).
 */
const PUBLISH_MESSAGES = new Set(['publishing', 'publish rejected']);
const CENSORED = '[redacted]';

export function redactingRtmpLogger(logger: Logger): RtmpLogger {
  const wrap = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: object, msg?: string) => {
    const safe =
      msg !== undefined && PUBLISH_MESSAGES.has(msg) && 'stream' in obj ? { ...obj, stream: CENSORED } : obj;
    logger[level](safe, msg);
  };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (bindings) => redactingRtmpLogger(logger.child(bindings)),
  };
}
