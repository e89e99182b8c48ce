import { join } from 'node:path';
import { type JsonLogProcess, spawnJsonLogProcess } from '@tributary/test-kit';

export const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface ChildApi {
  child: JsonLogProcess['child'];
  url: string;
  /** Resolves with the first stdout log line whose msg matches. */
  waitForLog(msg: RegExp): Promise<Record<string, unknown>>;
  exit: JsonLogProcess['exit'];
}

/** Runs `node dist/src/main.js` as an operator would, with only the given environment. */
export function runMain(env: Record<string, string>): JsonLogProcess {
  return spawnJsonLogProcess(MAIN, {
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stderr: 'pipe',
  });
}

/** Starts main.js and waits until it listens (or exits). */
export async function startMain(env: Record<string, string>): Promise<ChildApi> {
  const run = runMain(env);
  const waitForLog = (msg: RegExp) => run.waitForLog((l) => msg.test(String(l.msg)), String(msg));
  const listening = await waitForLog(/^api listening/);
  return { child: run.child, url: String(listening.url), waitForLog, exit: run.exit };
}
