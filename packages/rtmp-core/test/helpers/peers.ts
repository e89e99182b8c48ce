import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlvReader, FlvTagType } from '../../src/media';
import { type MediaMessage } from '../../src/message/media-message';

/** Child processes of a test file; `killAll()` in after() ends whatever is still running. */
export class Peers {
  private readonly children = new Set<ChildProcess>();

  /** Runs a command to completion, collecting output (stdout as text, stderr as text). */
  run(
    cmd: string,
    args: string[],
    input?: NodeJS.ReadableStream,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.spawn(cmd, args);
    if (input) input.pipe(child.stdin as NodeJS.WritableStream);
    else child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  spawn(cmd: string, args: string[]): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
  }
}

/** The publish command of issue 3 (H.264 + AAC from lavfi), for `seconds` of real time. */
export function ffmpegPublishArgs(url: string, seconds: number): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-g',
    '30',
    '-c:a',
    'aac',
    '-f',
    'flv',
    url,
  ];
}

/** ffmpeg decoding `input` to null, with `-progress` so the last frame= line counts decoded frames. */
export function ffmpegDecodeArgs(input: string, extra: string[] = []): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    ...extra,
    '-i',
    input,
    '-f',
    'null',
    '-',
    '-progress',
    'pipe:1',
    '-nostats',
  ];
}

export function decodedFrames(progress: string): number {
  const all = [...progress.matchAll(/^frame=(\d+)$/gm)];
  return Number(all.at(-1)?.[1] ?? 0);
}

/** A port that was free a moment ago, for peers that cannot listen on port 0 (ffmpeg -listen 1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A temporary directory removed by `remove()`. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'rtmp-core-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Makes a short H.264/AAC FLV file with ffmpeg (GOP 30 at 30 fps). */
export async function makeFlv(peers: Peers, path: string, seconds: number): Promise<void> {
  const r = await peers.run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-g',
    '30',
    '-c:a',
    'aac',
    '-f',
    'flv',
    path,
  ]);
  if (r.code !== 0) throw new Error(`ffmpeg could not make ${path}: ${r.stderr}`);
}

/** The audio and video tags of an FLV file as RTMP media messages. */
export function readFlvMedia(path: string): MediaMessage[] {
  const tags = new FlvReader().push(readFileSync(path));
  return tags
    .filter((t) => t.type === FlvTagType.Audio || t.type === FlvTagType.Video)
    .map((t) => ({
      typeId: t.type === FlvTagType.Audio ? 8 : 9,
      timestamp: t.timestampMs,
      payload: t.payload,
    }));
}

/**
 * Resolves once something listens on 127.0.0.1:`port`, read from /proc/net/tcp (state 0A = LISTEN).
 * Probing with a connection would use up the single accept of `ffmpeg -listen 1`.
 */
export async function listening(port: number): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (;;) {
    const table = readFileSync('/proc/net/tcp', 'utf8');
    if (table.split('\n').some((l) => l.includes(` ${local} `) && / 0A /.test(l))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
