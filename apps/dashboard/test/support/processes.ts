import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Child processes for the end-to-end tests: each listens on a free port, logs to a file
 * under test-artifacts/, and is stopped (its whole process group) in after().
 */

/** A port the kernel just handed out; closed again so a child can bind it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

export type Child = { name: string; process: ChildProcess; logFile: string; stop(): Promise<void> };

/** Grace period between SIGTERM and SIGKILL when stopping a child (the api drains within 10 s). */
const STOP_GRACE_MS = 12_000;

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; logFile: string },
): Child {
  const log = createWriteStream(options.logFile);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so stop() also ends whatever the child forks.
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

/** Interval between readiness probes while a child starts. */
const PROBE_INTERVAL_MS = 250;

/**
 * Waits until `url` answers 2xx/3xx, the child dies, or `deadlineMs` passes (a startup
 * guard so a broken build fails the run with its log, not a timing assertion).
 */
export async function waitUntilServing(child: Child, url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.process.exitCode !== null) {
      throw new Error(
        `${child.name} exited with ${child.process.exitCode} before serving; see ${child.logFile}`,
      );
    }
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      if (res.status < 400) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name} did not serve ${url} in time; see ${child.logFile}`);
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
}
