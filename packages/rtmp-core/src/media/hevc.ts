/**
 * HEVC configuration: HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1) and
 * the picture size from the sequence parameter set (ITU-T H.265 §7.3.2.2).
 */
import { BitReader, nalToRbsp } from './bit-reader';
import { MediaError } from './media-error';
import { MediaReader } from './media-reader';
import { hevcNalType } from './nal-units';

export interface HevcDecoderConfigurationRecord {
  profileIdc: number;
  tierFlag: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  /** avgFrameRate is in frames per 256 seconds; 0 means unspecified. */
  frameRate?: number;
  lengthSize: number;
  /** Views into the record, NAL header included. */
  vps: Buffer[];
  sps: Buffer[];
  pps: Buffer[];
  /** From the first SPS, when it parses. */
  width?: number;
  height?: number;
}

/** H.265 Table 7-1 parameter-set NAL unit types. */
const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;
/** §8.3.3.1: configurationVersion is 1. */
const HEVC_CONFIGURATION_VERSION = 1;
/** §8.3.3.1 avgFrameRate unit: frames per 256 seconds. */
const AVG_FRAME_RATE_UNIT = 256;
/** Same bound as H.264 (`H264_MAX_DIMENSION`): a longer side means a corrupt SPS. */
export const HEVC_MAX_DIMENSION = 32_768;

export function parseHevcDecoderConfigurationRecord(buf: Buffer): HevcDecoderConfigurationRecord {
  const r = new MediaReader(buf);
  const version = r.u8('configurationVersion');
  if (version !== HEVC_CONFIGURATION_VERSION) {
    throw new MediaError('invalid', `HEVCDecoderConfigurationRecord version ${version}, expected 1`);
  }
  const ptl = r.u8('general_profile_space/tier/profile');
  r.skip(4 + 6, 'general_profile_compatibility_flags/constraint_indicator_flags');
  const levelIdc = r.u8('general_level_idc');
  r.skip(2 + 1, 'min_spatial_segmentation_idc/parallelismType');
  const chromaFormatIdc = r.u8('chromaFormat') & 0x03;
  const bitDepthLuma = (r.u8('bitDepthLumaMinus8') & 0x07) + 8;
  r.u8('bitDepthChromaMinus8');
  const avgFrameRate = r.u16('avgFrameRate');
  const lengthSize = (r.u8('lengthSizeMinusOne') & 0x03) + 1;
  const record: HevcDecoderConfigurationRecord = {
    profileIdc: ptl & 0x1f,
    tierFlag: (ptl >> 5) & 1,
    levelIdc,
    chromaFormatIdc,
    bitDepthLuma,
    lengthSize,
    vps: [],
    sps: [],
    pps: [],
  };
  if (avgFrameRate > 0) record.frameRate = avgFrameRate / AVG_FRAME_RATE_UNIT;
  const arrays = r.u8('numOfArrays');
  for (let i = 0; i < arrays; i++) {
    const nalType = r.u8('NAL_unit_type') & 0x3f;
    const count = r.u16('numNalus');
    for (let j = 0; j < count; j++) {
      const nal = r.slice(r.u16('nalUnitLength'), 'nalUnit');
      if (nalType === NAL_VPS) record.vps.push(nal);
      else if (nalType === NAL_SPS) record.sps.push(nal);
      else if (nalType === NAL_PPS) record.pps.push(nal);
    }
  }
  const sps = record.sps[0];
  if (sps) Object.assign(record, parseHevcSpsSize(sps));
  return record;
}

/** Parses the display size from an SPS NAL unit (2-byte header included). Throws only `MediaError`. */
export function parseHevcSpsSize(sps: Uint8Array): { width: number; height: number } {
  if (sps.length < 3 || hevcNalType(sps) !== NAL_SPS)
    throw new MediaError('invalid', 'not an HEVC SPS NAL unit');
  const b = new BitReader(nalToRbsp(sps.subarray(2)));
  b.skip(4, 'sps_video_parameter_set_id');
  const maxSubLayersMinus1 = b.u(3, 'sps_max_sub_layers_minus1');
  b.skip(1, 'sps_temporal_id_nesting_flag');
  skipProfileTierLevel(b, maxSubLayersMinus1);
  b.ue('sps_seq_parameter_set_id');
  const chromaFormatIdc = b.ue('chroma_format_idc');
  if (chromaFormatIdc > 3)
    throw new MediaError('invalid', `chroma_format_idc ${chromaFormatIdc} outside 0..3`);
  const separateColourPlane = chromaFormatIdc === 3 && b.flag('separate_colour_plane_flag');
  let width = b.ue('pic_width_in_luma_samples');
  let height = b.ue('pic_height_in_luma_samples');
  if (b.flag('conformance_window_flag')) {
    // §7.4.3.2.1 (Table 6-1): offsets count chroma samples.
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    width -= subWidthC * (b.ue('conf_win_left_offset') + b.ue('conf_win_right_offset'));
    height -= subHeightC * (b.ue('conf_win_top_offset') + b.ue('conf_win_bottom_offset'));
  }
  if (width <= 0 || height <= 0 || width > HEVC_MAX_DIMENSION || height > HEVC_MAX_DIMENSION) {
    throw new MediaError('invalid', `HEVC SPS gives a ${width}x${height} picture`);
  }
  return { width, height };
}

/** §7.3.3 profile_tier_level(1, maxSubLayersMinus1). */
function skipProfileTierLevel(b: BitReader, maxSubLayersMinus1: number): void {
  // general_profile_space .. general_inbld/reserved flag (88 bits), then general_level_idc (8).
  b.skip(88 + 8, 'general profile_tier_level');
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(b.flag('sub_layer_profile_present_flag'));
    levelPresent.push(b.flag('sub_layer_level_present_flag'));
  }
  if (maxSubLayersMinus1 > 0) b.skip(2 * (8 - maxSubLayersMinus1), 'reserved_zero_2bits');
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) b.skip(88, 'sub_layer profile');
    if (levelPresent[i]) b.skip(8, 'sub_layer_level_idc');
  }
}
