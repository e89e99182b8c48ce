import { createLogger, describeStartupError, onShutdownSignal } from '@tributary/service-kit';
import { StartupError, startApi } from './app';
import { loadApiConfig } from './config';

/** The api must be gone well within 10 s of SIGTERM (docs/reliability.md: graceful-drain); the rest of the window is for in-flight requests. */
const SHUTDOWN_TIMEOUT_MS = 9000;

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger({ name: 'api', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  try {
    const api = await startApi(config, logger);
    logger.info({ url: api.url, docs: `${api.url}/docs` }, `api listening on ${api.url}`);
    onShutdownSignal(() => api.close(), logger, SHUTDOWN_TIMEOUT_MS);
  } catch (err) {
    const setting = err instanceof StartupError ? err.setting : undefined;
    const cause = err instanceof StartupError ? err.cause : err;
    logger.flush?.();
    process.stderr.write(
      `error: ${describeStartupError(cause, { what: 'api', ...(setting ? { setting } : {}) })}\n`,
    );
    process.exit(1);
  }
}

void main();
