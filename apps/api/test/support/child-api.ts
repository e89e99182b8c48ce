import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface ChildApi {
  child: ChildProcess;
  url: string;
  /** Resolves with the first stdout log line whose msg matches. */
  waitForLog(msg: RegExp): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; stderr: string }>;
}

/** Runs `node dist/src/main.js` as an operator would, with only the given environment. */
export function runMain(env: Record<string, string>): {
  child: ChildProcess;
  exit: ChildApi['exit'];
  lines: Record<string, unknown>[];
  onLine: (fn: (l: Record<string, unknown>) => void) => void;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const listeners: ((l: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const fn of listeners) fn(line);
    } catch {
      // not a log line
    }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, exit, lines, onLine: (fn) => listeners.push(fn) };
}

/** Starts main.js and waits until it listens (or exits). */
export async function startMain(env: Record<string, string>): Promise<ChildApi> {
  const run = runMain(env);
  const waitForLog = (msg: RegExp) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = run.lines.find((l) => msg.test(String(l.msg)));
      if (seen) return resolve(seen);
      run.onLine((l) => msg.test(String(l.msg)) && resolve(l));
      void run.exit.then(({ code, stderr }) =>
        reject(new Error(`api exited (${code}) before logging ${msg}: ${stderr}`)),
      );
    });
  const listening = await waitForLog(/^api listening/);
  return { child: run.child, url: String(listening.url), waitForLog, exit: run.exit };
}
