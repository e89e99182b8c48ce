import 'server-only';
import { env, loadConfig } from '@tributary/service-kit';
import { z } from 'zod';

/**
 * Server-side configuration, read once when the server starts (in this one place, never elsewhere). The browser
 * never sees these: the dashboard's pages talk to the dashboard origin only, and the
 * server forwards to the api. The listening port is `next start -p <PORT>`.
 */
const ConfigSchema = z.object({
  /** Base URL of the api (apps/api) the server-side client calls. */
  API_URL: env.url().default('http://127.0.0.1:4000'),
  /** Per-request limit for api calls; a page waits at most this long for the control plane. */
  API_TIMEOUT_MS: env.int(10_000, 100, 120_000),
  /** Where browsers reach the dashboard (e.g. https://console.example.com); https makes cookies Secure. */
  PUBLIC_URL: env.url().optional(),
  /**
   * Session cookie `Secure`: auto (default) sets it when PUBLIC_URL is https or the request came over
   * https (X-Forwarded-Proto from the proxy in front); true/false force it.
   */
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  /**
   * Shared with the api (its TRUSTED_PROXY_SECRET): with it the api believes the browser's IP this server
   * forwards for its sign-in limits. Unset: the api counts every sign-in as coming from this server.
   */
  API_PROXY_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export const config: Config = loadConfig('dashboard', ConfigSchema);
