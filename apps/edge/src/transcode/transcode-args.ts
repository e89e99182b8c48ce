import type { Rendition } from '@tributary/contracts';

/**
 * The ffmpeg command line of a `transcode` ladder (issue 13): the source as FLV on stdin, one
 * decode, a split and a scale per rendition, one FLV output per rendition on its own pipe (fd 3,
 * 4, …). Keyframes are forced at the same instants in every output (every `gopSeconds` of source
 * time, scene cuts off), so players switch between renditions without a gap. Pure: no I/O.
 */
export interface TranscodeArgsOptions {
  /** x264 preset: the CPU/quality trade (ultrafast … medium). */
  preset: string;
  /** Threads per video encoder (bounds the cores one ladder may take). */
  threads: number;
  gopSeconds: number;
}

/** The fd of rendition `i`'s output: 0–2 are stdin, stdout, stderr. */
export const FIRST_OUTPUT_FD = 3;

export function transcodeArgs(ladder: readonly Rendition[], opts: TranscodeArgsOptions): string[] {
  if (ladder.length === 0) throw new Error('a transcode ladder needs a rendition');
  const split = ladder.map((_, i) => `[v${i}]`).join('');
  const scales = ladder.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`).join(';');
  const outputs = ladder.flatMap((r, i) => [
    '-map',
    `[o${i}]`,
    '-map',
    '0:a?',
    '-c:v',
    'libx264',
    '-preset',
    opts.preset,
    '-tune',
    'zerolatency',
    '-threads',
    String(opts.threads),
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${r.videoBitrateKbps}k`,
    '-maxrate',
    `${r.videoBitrateKbps}k`,
    '-bufsize',
    `${r.videoBitrateKbps * 2}k`,
    '-force_key_frames',
    `expr:gte(t,n_forced*${opts.gopSeconds})`,
    '-sc_threshold',
    '0',
    ...(r.audioBitrateKbps > 0 ? ['-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`] : ['-an']),
    '-f',
    'flv',
    `pipe:${FIRST_OUTPUT_FD + i}`,
  ]);
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'flv',
    '-i',
    'pipe:0',
    '-filter_complex',
    `[0:v]split=${ladder.length}${split};${scales}`,
    ...outputs,
  ];
}
