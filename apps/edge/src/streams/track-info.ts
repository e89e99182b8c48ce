import type { AudioTrackInfoSchema, VideoTrackInfoSchema } from '@tributary/contracts';
import type { z } from 'zod';

export type VideoTrackInfo = z.infer<typeof VideoTrackInfoSchema>;
export type AudioTrackInfo = z.infer<typeof AudioTrackInfoSchema>;

/** FLV video CodecID (FLV spec v10.1 §E.4.3.1), plus the HEVC id (12) Chinese CDNs use. */
const VIDEO_CODEC_IDS: Record<number, string> = {
  2: 'h263',
  3: 'screen',
  4: 'vp6',
  5: 'vp6a',
  6: 'screen2',
  7: 'h264',
  12: 'hevc',
};
/** Enhanced RTMP v1 video FourCCs (veovera enhanced-rtmp, "ExVideoTagHeader"). */
const VIDEO_FOURCCS: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9' };
/** FLV SoundFormat (§E.4.2.1). */
const AUDIO_FORMATS: Record<number, string> = {
  0: 'pcm',
  1: 'adpcm',
  2: 'mp3',
  3: 'pcm_le',
  7: 'pcm_alaw',
  8: 'pcm_mulaw',
  10: 'aac',
  11: 'speex',
  14: 'mp3',
};
/** Enhanced RTMP v2 audio FourCCs (SoundFormat 9 = ExHeader). */
const AUDIO_FOURCCS: Record<string, string> = {
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
  '.mp3': 'mp3',
  mp4a: 'aac',
};
/** SoundRate (§E.4.2.1); AAC always signals 3 and carries its real rate in AudioSpecificConfig. */
const SOUND_RATES = [5512, 11025, 22050, 44100];
/** Enhanced RTMP: the high bit of the first video byte says a FourCC follows instead of a CodecID. */
const VIDEO_EX_HEADER_BIT = 0x80;
const AUDIO_EX_HEADER_FORMAT = 9;

/** The codec of an FLV video tag body, or null when it is empty or unknown. */
export function videoCodecOf(payload: Buffer): string | null {
  const first = payload[0];
  if (first === undefined) return null;
  if (first & VIDEO_EX_HEADER_BIT) {
    return payload.length >= 5 ? (VIDEO_FOURCCS[payload.toString('latin1', 1, 5)] ?? null) : null;
  }
  return VIDEO_CODEC_IDS[first & 0x0f] ?? null;
}

/** Codec, sample rate and channels of an FLV audio tag body, or null when it is empty or unknown. */
export function audioInfoOf(payload: Buffer): AudioTrackInfo | null {
  const first = payload[0];
  if (first === undefined) return null;
  const format = first >> 4;
  if (format === AUDIO_EX_HEADER_FORMAT) {
    const codec = payload.length >= 5 ? AUDIO_FOURCCS[payload.toString('latin1', 1, 5)] : undefined;
    return codec ? { codec, sampleRate: null, channels: null } : null;
  }
  const codec = AUDIO_FORMATS[format];
  if (!codec) return null;
  return { codec, sampleRate: SOUND_RATES[(first >> 2) & 0x03] ?? null, channels: (first & 0x01) + 1 };
}

/**
 * Folds what onMetaData says (width, height, framerate, audiosamplerate, stereo) into the track info
 * seen in the media; encoders fill these fields inconsistently, so only well-typed values are used.
 */
export function withMetadata(
  video: VideoTrackInfo | null,
  audio: AudioTrackInfo | null,
  meta: Record<string, unknown>,
): { video: VideoTrackInfo | null; audio: AudioTrackInfo | null } {
  const num = (k: string) =>
    typeof meta[k] === 'number' && Number.isFinite(meta[k]) ? (meta[k] as number) : null;
  const int = (k: string) => {
    const n = num(k);
    return n === null ? null : Math.round(n);
  };
  return {
    video: video && {
      ...video,
      width: int('width') ?? video.width,
      height: int('height') ?? video.height,
      frameRate: num('framerate') ?? num('videoframerate') ?? video.frameRate,
    },
    audio: audio && {
      ...audio,
      sampleRate: int('audiosamplerate') ?? audio.sampleRate,
      channels:
        typeof meta.stereo === 'boolean' ? (meta.stereo ? 2 : 1) : (int('audiochannels') ?? audio.channels),
    },
  };
}
