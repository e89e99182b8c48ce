import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { makeClip, PeerProcesses, type TestClip, withDeadline } from '@tributary/test-kit';

/**
 * Random noise defeats compression (~15 Mbit/s at 320x240, x264 -qp 10), so a stalled reader's
 * socket buffers fill in seconds. Video only.
 */
export const NOISE_CLIP: TestClip = {
  seconds: 4,
  pattern: 'nullsrc',
  filter: 'geq=random(1)*255:128:128',
  audio: null,
  preset: 'ultrafast',
  videoOptions: ['-qp', '10'],
};

/**
 * Real peers for interop tests (DEVELOPERS.md: interop tests use peers we did not write): ffmpeg publishes and decodes, rtmpdump plays as librtmp
 * players do. Every child is tracked (test-kit's PeerProcesses) so after() can end them all.
 */
export class Peers extends PeerProcesses {
  /** A 1 s GOP, 25 fps test pattern (any lavfi video source) with a sine tone: small and quick to decode. */
  makeClip(path: string, seconds = 4, pattern = 'testsrc2'): Promise<void> {
    return makeClip(path, {
      seconds,
      pattern,
      audio: 'sine=frequency=440:sample_rate=44100',
      preset: 'ultrafast',
      videoOptions: ['-pix_fmt', 'yuv420p'],
      audioOptions: ['-b:a', '64k'],
    });
  }

  /** ffmpeg's arguments to publish `clip` to `url` in real time: once through, or in an endless loop. */
  static publishArgs(clip: string, url: string, loop = false): string[] {
    const looped = loop ? ['-stream_loop', '-1'] : [];
    return ['-v', 'error', '-nostdin', '-re', ...looped, '-i', clip, '-c', 'copy', '-f', 'flv', url];
  }

  /** Publishes the clip in a real-time loop, as an encoder would. */
  publish(clip: string, url: string): ChildProcess {
    return this.spawn('ffmpeg', Peers.publishArgs(clip, url, true));
  }

  /** Publishes the clip once through in real time; resolves when ffmpeg exits. */
  publishOnce(clip: string, url: string): ReturnType<PeerProcesses['run']> {
    return this.run('ffmpeg', Peers.publishArgs(clip, url));
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

  /**
   * ffprobe's `entries` (its options, e.g. `-show_entries format=duration`) of `input`, as bare CSV
   * values; fails when ffprobe does or takes longer than `ms`.
   */
  async probeCsv(input: string, entries: string, ms = 30_000): Promise<string> {
    const res = await withDeadline(
      this.run('ffprobe', ['-v', 'error', ...entries.split(' '), '-of', 'csv=p=0', input]),
      `ffprobe ${input}`,
      ms,
    );
    assert.equal(res.code, 0, res.stderr);
    return res.stdout.trim();
  }

  /** The md5 of every decoded video frame of a file, in order (ffmpeg's framemd5): frame-exact comparisons. */
  async frameMd5s(file: string, ms = 60_000): Promise<string[]> {
    const res = await withDeadline(
      this.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-']),
      `decoding ${file}`,
      ms,
    );
    assert.equal(res.code, 0, res.stderr);
    return res.stdout
      .split('\n')
      .filter((l) => /^\d/.test(l))
      .map((l) => l.split(',').at(-1)?.trim() ?? '');
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
    // An rtmpdump that ignores SIGINT is killed, so the wait has a deadline.
    const hard = setTimeout(() => dump.kill('SIGKILL'), seconds * 1000 + 10_000);
    await exited;
    clearTimeout(timer);
    clearTimeout(hard);
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
}
