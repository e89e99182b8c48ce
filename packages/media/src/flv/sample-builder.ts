// RTMP audio/video message payloads (the same bytes as FLV tag bodies) to MediaSamples, with the
// sequence headers kept as the track configs. All header and configuration-record parsing is
// @tributary/rtmp-core's media module; this file only maps its results onto our sample types.
import {
  type AudioTagHeader,
  OPUS_SAMPLE_RATE,
  parseAudioSpecificConfig,
  parseAudioTagHeader,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  parseHevcDecoderConfigurationRecord,
  parseOpusHead,
  parseVideoTagHeader,
  MediaError as RtmpMediaError,
  type VideoTagHeader,
} from '@tributary/rtmp-core';
import { MuxError, MuxErrorCode } from '../errors';
import type { AudioConfig, AudioSample, MediaSample, VideoCodec, VideoConfig, VideoSample } from '../types';
import { mp3FrameFormat } from './mp3-frame';

export interface SampleBuilderStats {
  /** Messages that produced no sample: sequence headers, unsupported codecs, broken headers. */
  ignored: number;
  lastIgnoredReason: string | undefined;
}

const MUXABLE_VIDEO: ReadonlySet<string> = new Set<VideoCodec>(['h264', 'hevc', 'av1']);
/** nalLengthSize for AV1, where samples are OBUs and the field is not used. */
const UNUSED_NAL_LENGTH_SIZE = 4;

function nalLengthSize(size: number): 1 | 2 | 4 {
  if (size === 1 || size === 2 || size === 4) return size;
  // ISO/IEC 14496-15 §5.3.3.1: lengthSizeMinusOne is 0, 1 or 3.
  throw new MuxError(MuxErrorCode.MalformedSample, `NAL length size ${size} is not 1, 2 or 4`);
}

const UNKNOWN_SIZE = { width: 0, height: 0 };

/** The picture size is informative (fMP4 boxes): an SPS rtmp-core cannot size does not stop the stream. */
function pictureSize(parse: () => { width: number; height: number }): { width: number; height: number } {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RtmpMediaError) return UNKNOWN_SIZE;
    throw error;
  }
}

/** The sequence header record as a VideoConfig (parameter sets and size from rtmp-core's parsers). */
function videoConfig(codec: VideoCodec, record: Buffer): VideoConfig {
  if (codec === 'h264') {
    const avc = parseAvcDecoderConfigurationRecord(record);
    const first = avc.sps[0];
    const size = first ? pictureSize(() => parseH264Sps(first)) : UNKNOWN_SIZE;
    return {
      codec,
      record,
      parameterSets: [...avc.sps, ...avc.pps],
      nalLengthSize: nalLengthSize(avc.lengthSize),
      width: size.width,
      height: size.height,
    };
  }
  if (codec === 'hevc') {
    const hevc = parseHevcDecoderConfigurationRecord(record);
    return {
      codec,
      record,
      parameterSets: [...hevc.vps, ...hevc.sps, ...hevc.pps],
      nalLengthSize: nalLengthSize(hevc.lengthSize),
      width: hevc.width ?? 0,
      height: hevc.height ?? 0,
    };
  }
  return { codec, record, parameterSets: [], nalLengthSize: UNUSED_NAL_LENGTH_SIZE, width: 0, height: 0 };
}

/**
 * Turns one publisher's audio and video messages into samples. Sequence headers update the track
 * configs and yield nothing; so do messages this package cannot mux, counted in `stats` (never thrown:
 * the bytes come from a publisher and may be malformed). Only the first track of an Enhanced RTMP
 * multitrack message is used.
 */
export class SampleBuilder {
  readonly stats: SampleBuilderStats = { ignored: 0, lastIgnoredReason: undefined };
  private video: VideoConfig | undefined;
  private audio: AudioConfig | undefined;

  /** `timestampMs` is the message timestamp (the FLV tag's DTS). */
  push(kind: 'audio' | 'video', timestampMs: number, payload: Buffer): MediaSample | undefined {
    try {
      return kind === 'video' ? this.pushVideo(timestampMs, payload) : this.pushAudio(timestampMs, payload);
    } catch (error) {
      if (error instanceof RtmpMediaError || error instanceof MuxError) return this.ignore(error.message);
      throw error;
    }
  }

  /** A new publisher: configs of the previous one no longer apply. */
  reset(): void {
    this.video = undefined;
    this.audio = undefined;
  }

  private ignore(reason: string): undefined {
    this.stats.ignored++;
    this.stats.lastIgnoredReason = reason;
    return undefined;
  }

  private pushVideo(timestampMs: number, payload: Buffer): VideoSample | undefined {
    const header: VideoTagHeader = parseVideoTagHeader(payload);
    if (!MUXABLE_VIDEO.has(header.codec)) return this.ignore(`video codec ${header.codec} is not muxed`);
    const codec = header.codec as VideoCodec;
    const body = payload.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
    if (header.isSequenceHeader) {
      this.video = videoConfig(codec, body);
      return this.ignore('video sequence header');
    }
    if (header.packetType !== 'coded-frames') return this.ignore(`video ${header.packetType}`);
    if (this.video?.codec !== codec) return this.ignore(`${codec} frame before its sequence header`);
    const pts = timestampMs + header.compositionTimeMs;
    return {
      kind: 'video',
      config: this.video,
      dts: timestampMs,
      pts,
      keyframe: header.isKeyframe,
      data: body,
    };
  }

  private pushAudio(timestampMs: number, payload: Buffer): AudioSample | undefined {
    const header: AudioTagHeader = parseAudioTagHeader(payload);
    const body = payload.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
    switch (header.codec) {
      case 'aac':
        if (header.isSequenceHeader) {
          const asc = parseAudioSpecificConfig(body);
          this.audio = {
            codec: 'aac',
            sampleRate: asc.sampleRate,
            channels: asc.channels,
            audioSpecificConfig: body,
          };
          return this.ignore('audio sequence header');
        }
        break;
      case 'opus':
        if (header.isSequenceHeader) {
          const head = parseOpusHead(body);
          this.audio = {
            codec: 'opus',
            sampleRate: OPUS_SAMPLE_RATE,
            channels: head.channels,
            opusHead: body,
          };
          return this.ignore('audio sequence header');
        }
        break;
      case 'mp3': {
        // No sequence header: the config follows the frames' own headers.
        const format = mp3FrameFormat(body);
        if (format === undefined) return this.ignore('MP3 payload without a frame header');
        const current = this.audio;
        if (
          current?.codec !== 'mp3' ||
          current.sampleRate !== format.sampleRate ||
          current.channels !== format.channels
        ) {
          this.audio = { codec: 'mp3', ...format };
        }
        break;
      }
      default:
        return this.ignore(`audio codec ${header.codec} is not muxed`);
    }
    if (header.packetType !== 'coded-frames') return this.ignore(`audio ${header.packetType}`);
    if (this.audio?.codec !== header.codec)
      return this.ignore(`${header.codec} frame before its sequence header`);
    return { kind: 'audio', config: this.audio, dts: timestampMs, data: body };
  }
}
