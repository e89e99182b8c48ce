/**
 * What a customer pastes into an encoder. The keyframe interval matches the edge's HLS
 * target segment duration (2 s, issue 7): segments are cut on keyframes, so a longer
 * GOP makes longer segments and a later preview.
 */
export const KEYFRAME_INTERVAL_SECONDS = 2;
/** 720p30 defaults that fit an ordinary uplink; customers raise them for 1080p. */
export const DEFAULT_VIDEO_KBPS = 3000;
export const DEFAULT_AUDIO_KBPS = 128;
export const DEFAULT_FPS = 30;

export type EncoderSetting = { label: string; value: string };

/** The RTMP URL an encoder publishes to: the edge's server URL, then the stream key. */
export function publishUrl(server: string, streamKey: string): string {
  return `${server.replace(/\/+$/, '')}/${streamKey}`;
}

/** OBS → Settings → Stream ("Custom…" service) and → Output (Advanced). */
export function obsSettings(server: string, streamKey: string): EncoderSetting[] {
  return [
    { label: 'Service', value: 'Custom…' },
    { label: 'Server', value: server },
    { label: 'Stream Key', value: streamKey },
    { label: 'Rate Control', value: 'CBR' },
    { label: 'Bitrate', value: `${DEFAULT_VIDEO_KBPS} Kbps` },
    { label: 'Keyframe Interval', value: `${KEYFRAME_INTERVAL_SECONDS} s` },
    { label: 'Audio Bitrate', value: `${DEFAULT_AUDIO_KBPS} Kbps` },
  ];
}

/** POSIX shell single-quoting: the only character needing care inside '…' is ' itself. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * An ffmpeg line that publishes `input` (a file, looped in real time) with the settings
 * above; without an input it publishes a test pattern and tone, handy to try a stream.
 */
export function ffmpegPublishCommand(server: string, streamKey: string, input?: string): string {
  const gop = String(KEYFRAME_INTERVAL_SECONDS * DEFAULT_FPS);
  const source = input
    ? ['-re', '-stream_loop', '-1', '-i', input]
    : [
        '-re',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=1280x720:rate=${DEFAULT_FPS}`,
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440',
      ];
  const args = [
    'ffmpeg',
    ...source,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${DEFAULT_VIDEO_KBPS}k`,
    '-maxrate',
    `${DEFAULT_VIDEO_KBPS}k`,
    '-bufsize',
    `${DEFAULT_VIDEO_KBPS * 2}k`,
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-c:a',
    'aac',
    '-b:a',
    `${DEFAULT_AUDIO_KBPS}k`,
    '-ar',
    '48000',
    '-f',
    'flv',
    publishUrl(server, streamKey),
  ];
  return args.map(shellQuote).join(' ');
}

/** Appends the playback token the edge expects (`?token=`, issue 7) to a playback URL. */
export function withToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

export function ffplayCommand(url: string): string {
  return ['ffplay', url].map(shellQuote).join(' ');
}
