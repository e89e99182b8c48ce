// The samples every muxer in this package consumes. The edge builds them from RTMP audio/video
// messages (FLV tag bodies, legacy and Enhanced RTMP) with @tributary/rtmp-core's media module; nothing
// here parses RTMP. Payloads are views (Buffer subarrays) over the received message: muxers never
// mutate them and copy them at most once, into the container bytes they produce.
//
// Timestamps are milliseconds on the publisher's clock (RTMP timestamps), finite, not necessarily
// integers. Each muxer converts to its own clock (90 kHz for MPEG-TS and fMP4 video, the sample rate
// for fMP4 audio).

export type VideoCodec = 'h264' | 'hevc' | 'av1';
export type AudioCodec = 'aac' | 'mp3' | 'opus';

/**
 * Decoder configuration of a video track. One object per configuration: samples keep a reference to
 * the object in force, so a muxer sees a change as a new object (identity), without comparing bytes.
 */
export interface VideoConfig {
  readonly codec: VideoCodec;
  /**
   * The decoder configuration record verbatim: AVCDecoderConfigurationRecord (ISO/IEC 14496-15
   * §5.3.3.1), HEVCDecoderConfigurationRecord (§8.3.3.1) or AV1CodecConfigurationRecord (AV1-ISOBMFF
   * §2.3). It becomes the body of the avcC/hvcC/av1C box.
   */
  readonly record: Buffer;
  /**
   * Parameter-set NAL units from the record, without length prefixes or start codes, in decoding
   * order (H.264: SPS then PPS; HEVC: VPS, SPS, PPS). Empty for AV1. MPEG-TS repeats them before
   * every keyframe so a player can join at any segment.
   */
  readonly parameterSets: readonly Buffer[];
  /** Size of the NAL unit length prefix in samples (lengthSizeMinusOne + 1). Ignored for AV1. */
  readonly nalLengthSize: 1 | 2 | 4;
  /** Coded picture size, from the SPS or onMetaData; 0 when unknown. Informative in fMP4 boxes. */
  readonly width: number;
  readonly height: number;
}

export interface AudioConfig {
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channels: number;
  /**
   * AAC only: the AudioSpecificConfig verbatim (ISO/IEC 14496-3 §1.6.2.1). It becomes the fMP4 esds
   * DecoderSpecificInfo, and its leading fields the ADTS headers in MPEG-TS.
   */
  readonly audioSpecificConfig?: Buffer;
  /** Opus only: the OpusHead identification header (RFC 7845 §5.1), as Enhanced RTMP carries it. */
  readonly opusHead?: Buffer;
}

export interface VideoSample {
  readonly kind: 'video';
  readonly config: VideoConfig;
  readonly dts: number;
  /** Presentation time; pts - dts is the composition offset (B-frames). Never below dts. */
  readonly pts: number;
  readonly keyframe: boolean;
  /** H.264/HEVC: length-prefixed NAL units (AVCC/HVCC layout). AV1: low-overhead OBUs. */
  readonly data: Buffer;
}

export interface AudioSample {
  readonly kind: 'audio';
  readonly config: AudioConfig;
  readonly dts: number;
  /** One raw frame: an AAC raw_data_block (no ADTS), an MP3 frame, an Opus packet. */
  readonly data: Buffer;
}

export type MediaSample = VideoSample | AudioSample;

/** The tracks a muxer writes. At least one is present. */
export interface TrackSet {
  readonly video?: VideoConfig;
  readonly audio?: AudioConfig;
}
