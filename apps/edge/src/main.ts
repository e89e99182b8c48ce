import { createLogger, exitOnStartupError, onShutdownSignal } from '@tributary/service-kit';
import { loadEdgeConfig } from './config';
import { Edge } from './edge';

/**
 * The edge process: parse the config (exit 1 naming every bad variable), start, and drain on
 * SIGTERM/SIGINT within DRAIN_TIMEOUT_MS (onShutdownSignal exits 0 when stop() resolves).
 */
async function main(): Promise<void> {
  const cfg = loadEdgeConfig();
  const logger = createLogger({ name: 'edge', level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
  const edge = new Edge(cfg, logger);
  try {
    await edge.start();
  } catch (err) {
    exitOnStartupError(err, { what: 'edge', setting: 'RTMP_PORT, RTMPS_PORT or HTTP_PORT' });
  }
  // Past the drain window, onShutdownSignal's own limit makes the exit unconditional.
  onShutdownSignal(() => edge.stop(), logger, cfg.DRAIN_TIMEOUT_MS + 5000);
}

void main();
