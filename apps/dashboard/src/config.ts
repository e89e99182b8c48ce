import 'server-only';
import { env, loadConfig } from '@tributary/service-kit';
import { z } from 'zod';

/**
 * Server-side configuration, read once when the server starts (STYLE 29). The browser
 * never sees these: the dashboard's pages talk to the dashboard origin only, and the
 * server forwards to the api. The listening port is `next start -p <PORT>`.
 */
const ConfigSchema = z.object({
  /** Base URL of the api (apps/api) the server-side client calls. */
  API_URL: env.url().default('http://127.0.0.1:4000'),
  /** Per-request limit for api calls; a page waits at most this long for the control plane. */
  API_TIMEOUT_MS: env.int(10_000, 100, 120_000),
  /** Mark the session cookie `Secure`: set to true when the dashboard is served over HTTPS. */
  COOKIE_SECURE: env.bool(false),
});

export type Config = z.infer<typeof ConfigSchema>;

export const config: Config = loadConfig('dashboard', ConfigSchema);
