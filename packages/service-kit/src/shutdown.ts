import type { Logger } from 'pino';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0 (or 1 if stop
 * failed or overran `timeoutMs`). A second signal exits at once.
 */
export function onShutdownSignal(
  stop: (signal: string) => Promise<void>,
  logger: Logger,
  timeoutMs = 20_000,
): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown overran its time limit, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop(signal).then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
