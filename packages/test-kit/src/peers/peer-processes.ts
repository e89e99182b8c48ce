import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** What a peer printed and how it ended (`code` is null when a signal ended it). */
export interface PeerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts a peer with its stdout and stderr piped. Its stdin is `input` when given, otherwise closed at
 * once, so a peer that reads commands from stdin (ffmpeg without -nostdin) sees end of input.
 */
function spawnPeer(command: string, args: readonly string[], input?: NodeJS.ReadableStream): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  if (input && child.stdin) input.pipe(child.stdin);
  else child.stdin?.end();
  return child;
}

/** Collects a child's output as text until its stdio closes. Never rejects: tests assert on the result. */
function collect(child: ChildProcess): Promise<PeerResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${err.message}` }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a peer to completion, untracked: for peers that end on their own (encoding a file, ffprobe). */
export function run(command: string, args: readonly string[]): Promise<PeerResult> {
  return collect(spawnPeer(command, args));
}

/**
 * The peers of one test file (ffmpeg, ffprobe, rtmpdump: real programs we did not write, so interop is
 * proven against them rather than against our own client).
 * Every child is tracked, so `stopAll()` in after() ends whatever still runs.
 */
export class PeerProcesses {
  private readonly children = new Set<ChildProcess>();

  /** Starts a tracked peer; see `run` for the stdin rule. */
  spawn(command: string, args: readonly string[], input?: NodeJS.ReadableStream): ChildProcess {
    const child = spawnPeer(command, args, input);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a tracked peer to completion, collecting its output. */
  run(command: string, args: readonly string[], input?: NodeJS.ReadableStream): Promise<PeerResult> {
    return collect(this.spawn(command, args, input));
  }

  /** SIGKILLs every peer still running and waits until each has exited. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => killAndWait(child)));
  }
}

/** SIGKILL, then the exit; nothing to do for a child that has already ended. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
