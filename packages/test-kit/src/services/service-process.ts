import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A service (api, edge, dashboard) run as a child process for end-to-end tests, logging to a file. */
export interface ServiceProcess {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** SIGTERM to its process group, SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Grace period between SIGTERM and SIGKILL when stopping a service (the api drains within 10 s). */
const STOP_GRACE_MS = 12_000;

export function startService(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; logFile: string },
): ServiceProcess {
  const log = createWriteStream(options.logFile);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so stop() also ends whatever the service forks.
    detached: true,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = once(child, 'exit');
  return {
    name,
    process: child,
    logFile: options.logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Interval between readiness probes while a service starts. */
const PROBE_INTERVAL_MS = 250;
/** One readiness probe may hang on a half-started server; it is abandoned after this. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Waits until `url` answers 2xx/3xx, the service dies, or `deadlineMs` passes (a startup guard so a
 * broken build fails the run with its log, not a timing assertion).
 */
export async function waitUntilServing(
  service: ServiceProcess,
  url: string,
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (service.process.exitCode !== null) {
      throw new Error(
        `${service.name} exited with ${service.process.exitCode} before serving; see ${service.logFile}`,
      );
    }
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (res.status < 400) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${service.name} did not serve ${url} in time; see ${service.logFile}`);
    await sleep(PROBE_INTERVAL_MS);
  }
}
