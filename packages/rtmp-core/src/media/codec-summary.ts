/**
 * The codec summary the edge puts in session reports, from the sequence headers it
 * keeps for late joiners plus the publisher's onMetaData. Best effort: a corrupt
 * sequence header falls back to the metadata, so this never throws.
 */

import { OPUS_SAMPLE_RATE, parseAudioSpecificConfig, parseOpusHead } from './audio-config';
import { AUDIO_FOURCC, type AudioCodec, parseAudioTagHeader } from './audio-tag';
import { parseAv1CodecConfigurationRecord } from './av1';
import { parseAvcDecoderConfigurationRecord, parseH264Sps } from './avc';
import { parseHevcDecoderConfigurationRecord } from './hevc';
import { MediaError } from './media-error';
import { parseVideoTagHeader, VIDEO_FOURCC, type VideoCodec } from './video-tag';

export interface CodecSummary {
  video: { codec: VideoCodec; width: number | null; height: number | null; frameRate: number | null } | null;
  audio: { codec: AudioCodec; sampleRate: number | null; channels: number | null } | null;
}

export interface CodecSummaryInput {
  /** Payload of the last video sequence-header tag (legacy or Enhanced RTMP). */
  videoSequenceHeader?: Buffer;
  /** Payload of the last audio sequence-header tag, or any audio tag for codecs without one. */
  audioSequenceHeader?: Buffer;
  /** The onMetaData object (properties of the decoded AMF object or ECMA array). */
  metadata?: Readonly<Record<string, unknown>>;
}

/** onMetaData videocodecid / audiocodecid: FLV codec ids (E.4.3.1 / E.4.2.1). */
const META_VIDEO_CODEC_IDS: Record<number, VideoCodec> = {
  2: 'h263',
  4: 'vp6',
  5: 'vp6-alpha',
  7: 'h264',
  12: 'hevc',
};
const META_AUDIO_CODEC_IDS: Record<number, AudioCodec> = {
  2: 'mp3',
  7: 'g711-alaw',
  8: 'g711-mulaw',
  10: 'aac',
  11: 'speex',
};

export function summarizeCodecs(input: CodecSummaryInput): CodecSummary {
  const meta = input.metadata ?? {};
  return {
    video: summarizeVideo(input.videoSequenceHeader, meta),
    audio: summarizeAudio(input.audioSequenceHeader, meta),
  };
}

function summarizeVideo(
  tag: Buffer | undefined,
  meta: Readonly<Record<string, unknown>>,
): CodecSummary['video'] {
  let codec = codecFromMeta(meta.videocodecid, META_VIDEO_CODEC_IDS, VIDEO_FOURCC);
  let width = positive(meta.width);
  let height = positive(meta.height);
  let frameRate = positive(meta.framerate) ?? positive(meta.videoframerate);
  if (tag) {
    tolerate(() => {
      const h = parseVideoTagHeader(tag);
      codec = h.codec;
      const record = tag.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
      if (h.isSequenceHeader && h.codec === 'h264') {
        const sps = parseAvcDecoderConfigurationRecord(record).sps[0];
        if (sps) {
          const parsed = parseH264Sps(sps);
          ({ width, height } = parsed);
          frameRate = parsed.frameRate ?? frameRate;
        }
      } else if (h.isSequenceHeader && (h.codec === 'hevc' || h.codec === 'av1')) {
        const parsed =
          h.codec === 'hevc'
            ? parseHevcDecoderConfigurationRecord(record)
            : parseAv1CodecConfigurationRecord(record);
        width = parsed.width ?? width;
        height = parsed.height ?? height;
        frameRate = parsed.frameRate ?? frameRate;
      }
    });
  }
  if (codec === undefined) return null;
  return { codec, width: width ?? null, height: height ?? null, frameRate: frameRate ?? null };
}

function summarizeAudio(
  tag: Buffer | undefined,
  meta: Readonly<Record<string, unknown>>,
): CodecSummary['audio'] {
  let codec = codecFromMeta(meta.audiocodecid, META_AUDIO_CODEC_IDS, AUDIO_FOURCC);
  let sampleRate = positive(meta.audiosamplerate);
  let channels =
    positive(meta.audiochannels) ?? (typeof meta.stereo === 'boolean' ? (meta.stereo ? 2 : 1) : undefined);
  if (tag) {
    tolerate(() => {
      const h = parseAudioTagHeader(tag);
      codec = h.codec;
      sampleRate = h.sampleRate ?? sampleRate;
      channels = h.channels ?? channels;
      const config = tag.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
      if (h.isSequenceHeader && h.codec === 'aac') {
        const asc = parseAudioSpecificConfig(config);
        sampleRate = asc.sampleRate;
        channels = asc.channels > 0 ? asc.channels : channels;
      } else if (h.isSequenceHeader && h.codec === 'opus') {
        channels = parseOpusHead(config).channels;
        sampleRate = OPUS_SAMPLE_RATE;
      }
    });
  }
  if (codec === undefined) return null;
  return { codec, sampleRate: sampleRate ?? null, channels: channels ?? null };
}

/** Runs a parse whose MediaError only means "keep what we had"; anything else is a bug and propagates. */
function tolerate(parse: () => void): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
  }
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * onMetaData codec ids are FLV numbers, or (Enhanced RTMP v1) a FourCC as a number
 * ("hvc1" = 0x68766331) or, from some encoders, as a string.
 */
function codecFromMeta<C extends string>(
  id: unknown,
  byNumber: Record<number, C>,
  byFourCc: Record<string, C>,
): C | undefined {
  if (typeof id === 'string') return byFourCc[id];
  if (typeof id !== 'number' || !Number.isInteger(id)) return undefined;
  if (id > 0xff && id <= 0xffffffff) {
    const fourCc = Buffer.alloc(4);
    fourCc.writeUInt32BE(id);
    return byFourCc[fourCc.toString('latin1')];
  }
  return byNumber[id];
}
