import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Real peers for interop tests (STYLE 25): ffmpeg publishes and decodes, rtmpdump plays as librtmp
 * players do. Every child is tracked so after() can end them all.
 */
export class Peers {
  private readonly children = new Set<ChildProcess>();

  /** A 1 s GOP, 25 fps test pattern (any lavfi video source) with a sine tone: small and quick to decode. */
  async makeClip(path: string, seconds = 4, pattern = 'testsrc2'): Promise<void> {
    const res = await this.run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `${pattern}=size=320x240:rate=25:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-f',
      'flv',
      path,
    ]);
    if (res.code !== 0) throw new Error(`ffmpeg could not make the clip: ${res.stderr}`);
  }

  /** Publishes the clip in a real-time loop, as an encoder would. */
  publish(clip: string, url: string): ChildProcess {
    return this.spawn('ffmpeg', [
      '-v',
      'error',
      '-nostdin',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      clip,
      '-c',
      'copy',
      '-f',
      'flv',
      url,
    ]);
  }

  /**
   * Plays (or reads a file) with ffmpeg and decodes up to `frames` video frames; resolves with the
   * count actually decoded and the MD5 of each decoded picture (framemd5).
   */
  async decodeFrames(
    url: string,
    frames: number,
    extra: string[] = [],
  ): Promise<{ frames: number; hashes: string[]; code: number | null; stderr: string }> {
    const res = await this.run('ffmpeg', [
      '-v',
      'error',
      '-nostdin',
      ...extra,
      '-i',
      url,
      '-map',
      '0:v:0',
      '-frames:v',
      String(frames),
      '-f',
      'framemd5',
      '-',
    ]);
    const hashes = res.stdout
      .split('\n')
      .filter((l) => /^0,/.test(l))
      .map((l) => l.split(',').at(-1)?.trim() ?? '');
    return { frames: hashes.length, hashes, code: res.code, stderr: res.stderr };
  }

  /** ffprobe of the stream's format and metadata (onMetaData lands in format tags). */
  async probe(
    url: string,
  ): Promise<{ code: number | null; json: { format?: { tags?: Record<string, string> } } }> {
    const res = await this.run('ffprobe', [
      '-v',
      'error',
      '-rw_timeout',
      '8000000',
      '-show_format',
      '-of',
      'json',
      url,
    ]);
    return { code: res.code, json: res.code === 0 ? JSON.parse(res.stdout) : {} };
  }

  /**
   * rtmpdump --live for `seconds` of wall time (its --stop is not honoured on live streams), ended
   * with SIGINT as a user would; then ffprobe counts the video frames it saved.
   */
  async rtmpdumpFrames(args: string[], file: string, seconds = 3): Promise<{ frames: number }> {
    const dump = this.spawn('rtmpdump', ['-q', '--live', '-o', file, ...args]);
    const exited = once(dump, 'exit');
    const timer = setTimeout(() => dump.kill('SIGINT'), seconds * 1000);
    await exited;
    clearTimeout(timer);
    const probe = await this.run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      file,
    ]);
    return { frames: Number.parseInt(probe.stdout.trim(), 10) || 0 };
  }

  spawn(cmd: string, args: string[]): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.spawn(cmd, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}
