import { MAX_RENDITIONS, type Rendition, renditionStreamName } from '@tributary/contracts';
import { publishUrl, shellQuote } from './encoder-settings';

/**
 * Dynamic streaming (issue 13) in the dashboard: the ladder as the tenant edits it (one rendition per
 * line, `name WIDTHxHEIGHT videoKbps audioKbps`), and what an 'encoder' ladder's encoder needs: one
 * output per rendition, published to `<stream key>_<rendition>`, GOPs aligned so players can switch.
 */

/** One line per rendition, highest first: `high 1280x720 2500 128`. */
export function formatLadder(ladder: readonly Rendition[]): string {
  return ladder
    .map((r) => `${r.name} ${r.width}x${r.height} ${r.videoBitrateKbps} ${r.audioBitrateKbps}`)
    .join('\n');
}

const LINE = /^(\S+)\s+(\d{1,5})x(\d{1,5})\s+(\d{1,6})\s+(\d{1,5})$/;

/**
 * Reads the text back: a line that does not have the shape gives its line number; the values
 * themselves (names, sizes, bitrates, uniqueness, count) are the contract's to check, in the api.
 */
export function parseLadder(text: string): { ok: true; ladder: Rendition[] } | { ok: false; error: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length > MAX_RENDITIONS) return { ok: false, error: `At most ${MAX_RENDITIONS} renditions.` };
  const ladder: Rendition[] = [];
  for (const [i, line] of lines.entries()) {
    const m = LINE.exec(line);
    if (!m) return { ok: false, error: `Line ${i + 1}: expected "name WIDTHxHEIGHT videoKbps audioKbps".` };
    ladder.push({
      name: m[1]!,
      width: Number(m[2]),
      height: Number(m[3]),
      videoBitrateKbps: Number(m[4]),
      audioBitrateKbps: Number(m[5]),
    });
  }
  return { ok: true, ladder };
}

/** The stream names an encoder ladder publishes to, in ladder order. */
export function renditionOutputs(
  streamKey: string,
  ladder: readonly Rendition[],
): { name: string; streamName: string }[] {
  return ladder.map((r) => ({ name: r.name, streamName: renditionStreamName(streamKey, r.name) }));
}

/** Frames per keyframe at 30 fps: a 2 s GOP, identical in every rendition (-g = -keyint_min, no scene cuts). */
const LADDER_GOP = '60';

/**
 * One ffmpeg that publishes every rendition of the ladder from one source (test pattern and tone,
 * or `input` looped in real time), as FMLE's multi-bitrate output does: split, scale per rendition,
 * aligned keyframes, one RTMP output each.
 */
export function ffmpegLadderCommand(
  server: string,
  streamKey: string,
  ladder: readonly Rendition[],
  input?: string,
): string {
  const source = input
    ? ['-re', '-stream_loop', '-1', '-i', input]
    : [
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=1280x720:rate=30',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440',
      ];
  const labels = ladder.map((_, i) => `[v${i}]`).join('');
  const scales = ladder.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`).join(';');
  const outputs = ladder.flatMap((r, i) => [
    '-map',
    `[o${i}]`,
    '-map',
    input ? '0:a?' : '1:a',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${r.videoBitrateKbps}k`,
    '-maxrate',
    `${r.videoBitrateKbps}k`,
    '-bufsize',
    `${r.videoBitrateKbps * 2}k`,
    '-g',
    LADDER_GOP,
    '-keyint_min',
    LADDER_GOP,
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    `${r.audioBitrateKbps}k`,
    '-ar',
    '48000',
    '-f',
    'flv',
    publishUrl(server, renditionStreamName(streamKey, r.name)),
  ]);
  const args = [
    'ffmpeg',
    ...source,
    '-filter_complex',
    `[0:v]split=${ladder.length}${labels};${scales}`,
    ...outputs,
  ];
  return args.map(shellQuote).join(' ');
}

/** OBS: one output per rendition (a multiple-output plugin), each with these settings. */
export function obsLadderSettings(
  server: string,
  streamKey: string,
  r: Rendition,
): { label: string; value: string }[] {
  return [
    { label: 'Server', value: server },
    { label: 'Stream Key', value: renditionStreamName(streamKey, r.name) },
    { label: 'Output (Scaled) Resolution', value: `${r.width}x${r.height}` },
    { label: 'Rate Control', value: 'CBR' },
    { label: 'Bitrate', value: `${r.videoBitrateKbps} Kbps` },
    { label: 'Keyframe Interval', value: '2 s (the same in every output)' },
    { label: 'Audio Bitrate', value: `${r.audioBitrateKbps} Kbps` },
  ];
}
