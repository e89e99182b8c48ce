/**
 * FLV container and codec headers for the edge, the fan-out and the HLS/FLV muxers:
 * pure functions over Buffers, no I/O. Parsers throw only `MediaError` and return
 * offsets or views into the caller's bytes instead of copies.
 */

export {
  type AudioSpecificConfig,
  OPUS_SAMPLE_RATE,
  type OpusHead,
  parseAudioSpecificConfig,
  parseOpusHead,
} from './audio-config';
export {
  AUDIO_FOURCC,
  type AudioCodec,
  type AudioPacketType,
  type AudioTagHeader,
  type AudioTrack,
  parseAudioTagHeader,
} from './audio-tag';
export {
  type Av1CodecConfigurationRecord,
  parseAv1CodecConfigurationRecord,
  parseAv1SequenceHeader,
} from './av1';
export {
  type AvcDecoderConfigurationRecord,
  H264_MAX_DIMENSION,
  type H264Sps,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
} from './avc';
export { type CodecSummary, type CodecSummaryInput, summarizeCodecs } from './codec-summary';
export { AvMultitrackType } from './enhanced-rtmp';
export {
  type ExAudioTag,
  type ExVideoFrameType,
  type ExVideoTag,
  encodeExAudioTag,
  encodeExVideoTag,
  encodeExVideoTagHeader,
} from './enhanced-writer';
export {
  encodeFlvHeader,
  encodeFlvTag,
  FLV_DEFAULT_MAX_TAG_SIZE,
  FLV_HEADER_SIZE,
  FLV_MAX_TAG_DATA_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvLimits,
  FlvReader,
  type FlvTag,
  FlvTagType,
  parseFlv,
} from './flv';
export {
  enhancedFourCcOf,
  FourCcInfoMask,
  type FourCcSupport,
  fourCcSupportOf,
  MAX_ANNOUNCED_FOURCCS,
  mayStartCodec,
  supportsFourCc,
} from './fourcc-support';
export {
  HEVC_MAX_DIMENSION,
  type HevcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseHevcSpsSize,
} from './hevc';
export { MediaError, MediaErrorCode } from './media-error';
export { h264NalType, hevcNalType, isH264Keyframe, isHevcKeyframe, splitNalUnits } from './nal-units';
export {
  parseVideoTagHeader,
  VIDEO_FOURCC,
  type VideoCodec,
  type VideoFrameType,
  type VideoPacketType,
  type VideoTagHeader,
  type VideoTrack,
} from './video-tag';
