import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEFAULT_WAIT_MS, withDeadline } from '../wait/until';

/** One pino line of a child's stdout. */
export type LogLine = Record<string, unknown>;

/** A child whose stdout is pino JSON (LOG_FORMAT=json): its log lines, as they arrive. */
export interface JsonLogProcess {
  readonly child: ChildProcess;
  /** Every JSON line printed so far. */
  readonly lines: LogLine[];
  /** Called with every later line. */
  onLine(listener: (line: LogLine) => void): void;
  /**
   * The first line (already printed or still to come) that `matches`; rejects if the child exits first
   * or `timeoutMs` (DEFAULT_WAIT_MS) passes.
   */
  waitForLog(matches: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** The exit code, with stderr when it was piped. */
  readonly exit: Promise<{ code: number | null; stderr: string }>;
}

/**
 * Runs `node <script>` as an operator would. `stderr: 'inherit'` shows the child's errors in the
 * test output; `'pipe'` collects them into `exit` so a test can assert on them.
 */
export function spawnJsonLogProcess(
  script: string,
  options: {
    env: NodeJS.ProcessEnv;
    stderr: 'pipe' | 'inherit';
    /** Runs `[...prefix, node, script]` instead, e.g. inside a network namespace (net/netns.ts). */
    prefix?: readonly string[];
  },
): JsonLogProcess {
  const [program = process.execPath, ...args] = [...(options.prefix ?? []), process.execPath, script];
  const child = spawn(program, args, {
    env: options.env,
    stdio: ['ignore', 'pipe', options.stderr],
  });
  const lines: LogLine[] = [];
  const listeners: ((line: LogLine) => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // not a log line
    }
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  const onLine = (listener: (line: LogLine) => void) => {
    listeners.push(listener);
  };
  const waitForLog = (matches: (line: LogLine) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS) =>
    withDeadline(
      new Promise<LogLine>((resolve, reject) => {
        const seen = lines.find(matches);
        if (seen) return resolve(seen);
        onLine((line) => matches(line) && resolve(line));
        void exit.then(({ code, stderr: err }) =>
          reject(new Error(`${script} exited (${code}) before logging ${what}: ${err}`)),
        );
      }),
      `${script} to log ${what}`,
      timeoutMs,
    );
  return { child, lines, onLine, waitForLog, exit };
}
