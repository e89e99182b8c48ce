// Equality and sanity checks on track configs. The edge builds a new config object whenever a
// sequence header arrives, and publishers repeat identical sequence headers (OBS does so on every
// keyframe with some settings), so "changed" means different bytes, not a different object.
import { MediaError as RtmpMediaError, splitNalUnits } from '@tributary/rtmp-core';
import type { AudioCodec, AudioConfig, MediaSample, TrackSet, VideoCodec, VideoConfig } from './types';

const VIDEO_CODECS: ReadonlySet<string> = new Set<VideoCodec>(['h264', 'hevc', 'av1']);
const AUDIO_CODECS: ReadonlySet<string> = new Set<AudioCodec>(['aac', 'mp3', 'opus']);
/** audioObjectType + samplingFrequencyIndex + channelConfiguration (ISO/IEC 14496-3 §1.6.2.1). */
const MIN_ASC_SIZE = 2;
/** RFC 7845 §5.1: the fixed part of the identification header. */
const MIN_OPUS_HEAD_SIZE = 19;

export function sameVideoConfig(a: VideoConfig | undefined, b: VideoConfig | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.codec === b.codec && a.width === b.width && a.height === b.height && a.record.equals(b.record);
}

export function sameAudioConfig(a: AudioConfig | undefined, b: AudioConfig | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a.codec !== b.codec || a.sampleRate !== b.sampleRate || a.channels !== b.channels) return false;
  const ascA = a.audioSpecificConfig;
  const ascB = b.audioSpecificConfig;
  if (ascA !== undefined || ascB !== undefined)
    return ascA !== undefined && ascB !== undefined && ascA.equals(ascB);
  const headA = a.opusHead;
  const headB = b.opusHead;
  if (headA !== undefined || headB !== undefined)
    return headA !== undefined && headB !== undefined && headA.equals(headB);
  return true;
}

export function sameTracks(a: TrackSet, b: TrackSet): boolean {
  return sameVideoConfig(a.video, b.video) && sameAudioConfig(a.audio, b.audio);
}

/**
 * Why a sample cannot be used at all, whatever the container, or undefined when it looks sane. The
 * types promise these things, but samples are built from a publisher's bytes, which may be malformed.
 */
export function sampleDefect(sample: MediaSample): string | undefined {
  if (!Number.isFinite(sample.dts)) return 'non-finite dts';
  if (!(sample.data instanceof Uint8Array) || sample.data.length === 0) return 'empty payload';
  if (sample.kind === 'video') {
    if (!VIDEO_CODECS.has(sample.config.codec)) return `unknown video codec ${String(sample.config.codec)}`;
    if (!Number.isFinite(sample.pts)) return 'non-finite pts';
    if (sample.config.record.length === 0) return 'video sample without a decoder configuration record';
    if (sample.config.codec !== 'av1') return nalUnitsDefect(sample.data, sample.config.nalLengthSize);
    return undefined;
  }
  if (sample.kind === 'audio') {
    if (!AUDIO_CODECS.has(sample.config.codec)) return `unknown audio codec ${String(sample.config.codec)}`;
    if (!(sample.config.sampleRate > 0)) return `audio sample rate ${sample.config.sampleRate}`;
    if (sample.config.codec === 'aac' && (sample.config.audioSpecificConfig?.length ?? 0) < MIN_ASC_SIZE) {
      return 'AAC sample without an AudioSpecificConfig';
    }
    if (sample.config.codec === 'opus' && (sample.config.opusHead?.length ?? 0) < MIN_OPUS_HEAD_SIZE) {
      return 'Opus sample without an OpusHead';
    }
    return undefined;
  }
  return `unknown sample kind ${String((sample as { kind: unknown }).kind)}`;
}

/**
 * Checked before a sample can open or cut a segment: a keyframe that turns out unmuxable would leave a
 * segment starting without one.
 */
function nalUnitsDefect(data: Buffer, lengthSize: number): string | undefined {
  try {
    let units = 0;
    for (const _unit of splitNalUnits(data, lengthSize)) units++;
    return units === 0 ? 'no NAL unit in video sample' : undefined;
  } catch (error) {
    if (error instanceof RtmpMediaError) return error.message;
    throw error;
  }
}
