// Track numbering and clocks shared by the init segment and the fragments.
import type { AudioConfig } from '../types';

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;
/** Video media timescale: 90 kHz, the RTP/MPEG clock, exact for every common frame rate. */
export const VIDEO_TIMESCALE = 90_000;
/** Opus in ISOBMFF always runs at 48 kHz (Opus in ISOBMFF §4.3.1). */
const OPUS_TIMESCALE = 48_000;

/** Audio media timescale: the sample rate, so each frame lasts a whole number of ticks. */
export function audioTimescale(config: AudioConfig): number {
  return config.codec === 'opus' ? OPUS_TIMESCALE : config.sampleRate;
}

/** Samples per frame, used for the last frame of a fragment whose successor is not known yet. */
export function audioFrameSamples(config: AudioConfig): number {
  switch (config.codec) {
    case 'aac':
      return 1024; // ISO/IEC 14496-3: 1024 samples per raw_data_block (960-sample variant unused)
    case 'mp3':
      return config.sampleRate >= 32_000 ? 1152 : 576; // MPEG-1 vs MPEG-2 layer III
    default:
      return 960; // Opus: 20 ms at 48 kHz, the usual frame duration (RFC 6716 §2.1.4)
  }
}
