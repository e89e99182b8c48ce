import { run } from './peer-processes';

/**
 * A synthetic H.264/AAC FLV made by ffmpeg from lavfi sources (a test pattern and a tone), the kind of
 * stream an encoder such as OBS publishes. Defaults: 320x240 at 25 fps, a 1 s GOP, x264 `veryfast`.
 */
export interface TestClip {
  readonly seconds: number;
  /** A lavfi video source taking size and rate (`testsrc2`, `smptebars`, `mandelbrot`...). */
  readonly pattern?: string;
  readonly size?: string;
  readonly rate?: number;
  /** A lavfi filter chain after the source (`geq=random(1)*255:128:128` turns nullsrc into noise). */
  readonly filter?: string;
  /** Frames per GOP; defaults to `rate` (one keyframe a second, as live encoders are set up). */
  readonly gop?: number;
  /** The lavfi audio source, `sine` options included; null for a video-only clip. */
  readonly audio?: string | null;
  /** x264 speed preset (`medium` is x264's own default). */
  readonly preset?: string;
  /** More video encoder options (`-bf 2`, `-tune zerolatency`, `-pix_fmt yuv420p`). */
  readonly videoOptions?: readonly string[];
  /** More AAC encoder options (`-ac 2`, `-b:a 64k`). */
  readonly audioOptions?: readonly string[];
  /** `-re`: read the sources at their native rate, as a live publisher sends. */
  readonly realtime?: boolean;
}

/** ffmpeg arguments that encode `clip` as FLV to `output`, a file path or an rtmp:// URL. */
export function ffmpegClipArgs(output: string, clip: TestClip): string[] {
  const rate = clip.rate ?? 25;
  const video = `${clip.pattern ?? 'testsrc2'}=size=${clip.size ?? '320x240'}:rate=${rate}`;
  const audio = clip.audio === undefined ? 'sine' : clip.audio;
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...(clip.realtime ? ['-re'] : []),
    '-y',
    '-f',
    'lavfi',
    '-i',
    clip.filter ? `${video},${clip.filter}` : video,
    ...(audio === null ? [] : ['-f', 'lavfi', '-i', audio]),
    '-t',
    String(clip.seconds),
    '-c:v',
    'libx264',
    '-preset',
    clip.preset ?? 'veryfast',
    '-g',
    String(clip.gop ?? rate),
    ...(clip.videoOptions ?? []),
    ...(audio === null ? [] : ['-c:a', 'aac', ...(clip.audioOptions ?? [])]),
    '-f',
    'flv',
    output,
  ];
}

/** Encodes `clip` to the FLV file `path`; throws with ffmpeg's stderr when it fails. */
export async function makeClip(path: string, clip: TestClip): Promise<void> {
  const made = await run('ffmpeg', ffmpegClipArgs(path, clip));
  if (made.code !== 0) throw new Error(`ffmpeg could not make ${path}: ${made.stderr}`);
}
