/**
 * H.264 configuration: AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) and
 * the sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI Annex E.1.1).
 */
import { BitReader, nalToRbsp } from './bit-reader';
import { MediaError } from './media-error';
import { MediaReader } from './media-reader';

export interface AvcDecoderConfigurationRecord {
  /** AVCProfileIndication (profile_idc of the SPS). */
  profile: number;
  profileCompatibility: number;
  /** AVCLevelIndication, e.g. 31 for level 3.1. */
  level: number;
  /** Bytes of each NAL unit length prefix in coded frames (1, 2 or 4). */
  lengthSize: number;
  /** Views into the record, NAL header byte included. */
  sps: Buffer[];
  pps: Buffer[];
}

/** §5.3.3.1: configurationVersion is 1. */
const AVC_CONFIGURATION_VERSION = 1;

export function parseAvcDecoderConfigurationRecord(buf: Buffer): AvcDecoderConfigurationRecord {
  const r = new MediaReader(buf);
  const version = r.u8('configurationVersion');
  if (version !== AVC_CONFIGURATION_VERSION) {
    throw new MediaError('invalid', `AVCDecoderConfigurationRecord version ${version}, expected 1`);
  }
  const profile = r.u8('AVCProfileIndication');
  const profileCompatibility = r.u8('profile_compatibility');
  const level = r.u8('AVCLevelIndication');
  const lengthSize = (r.u8('lengthSizeMinusOne') & 0x03) + 1;
  const sps: Buffer[] = [];
  const spsCount = r.u8('numOfSequenceParameterSets') & 0x1f;
  for (let i = 0; i < spsCount; i++)
    sps.push(r.slice(r.u16('sequenceParameterSetLength'), 'sequenceParameterSetNALUnit'));
  const pps: Buffer[] = [];
  const ppsCount = r.u8('numOfPictureParameterSets');
  for (let i = 0; i < ppsCount; i++)
    pps.push(r.slice(r.u16('pictureParameterSetLength'), 'pictureParameterSetNALUnit'));
  return { profile, profileCompatibility, level, lengthSize, sps, pps };
}

export interface H264Sps {
  profileIdc: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  /** Display size: coded macroblocks minus the cropping window. */
  width: number;
  height: number;
  /** time_scale / (2 × num_units_in_tick) from the VUI timing info, when present. */
  frameRate?: number;
}

/** §7.3.2.1.1: profiles whose SPS carries chroma format, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
/** §7.4.2.1.1: num_ref_frames_in_pic_order_cnt_cycle is in 0..255. */
const MAX_POC_CYCLE = 255;
/** Annex E Table E-1: aspect_ratio_idc 255 is Extended_SAR, followed by sar_width/sar_height. */
const EXTENDED_SAR = 255;
/**
 * A side longer than this is a corrupt SPS: level 6.2 allows 139 264 macroblocks,
 * at most about 16 900 pixels on one side of a square frame; twice that is generous.
 */
export const H264_MAX_DIMENSION = 32_768;

/** Parses an SPS NAL unit (header byte included). Throws only `MediaError`. */
export function parseH264Sps(sps: Uint8Array): H264Sps {
  if (sps.length < 2) throw new MediaError('truncated', 'H.264 SPS needs a NAL header and a body');
  const b = new BitReader(nalToRbsp(sps.subarray(1)));
  const profileIdc = b.u(8, 'profile_idc');
  b.skip(8, 'constraint flags');
  const levelIdc = b.u(8, 'level_idc');
  b.ue('seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = b.ue('chroma_format_idc');
    if (chromaFormatIdc > 3)
      throw new MediaError('invalid', `chroma_format_idc ${chromaFormatIdc} outside 0..3`);
    if (chromaFormatIdc === 3) separateColourPlane = b.flag('separate_colour_plane_flag');
    bitDepthLuma = b.ue('bit_depth_luma_minus8') + 8;
    b.ue('bit_depth_chroma_minus8');
    b.flag('qpprime_y_zero_transform_bypass_flag');
    if (b.flag('seq_scaling_matrix_present_flag')) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (b.flag('seq_scaling_list_present_flag')) skipScalingList(b, i < 6 ? 16 : 64);
      }
    }
  }
  b.ue('log2_max_frame_num_minus4');
  const pocType = b.ue('pic_order_cnt_type');
  if (pocType === 0) {
    b.ue('log2_max_pic_order_cnt_lsb_minus4');
  } else if (pocType === 1) {
    b.flag('delta_pic_order_always_zero_flag');
    b.se('offset_for_non_ref_pic');
    b.se('offset_for_top_to_bottom_field');
    const cycle = b.ue('num_ref_frames_in_pic_order_cnt_cycle');
    if (cycle > MAX_POC_CYCLE)
      throw new MediaError('invalid', `num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`);
    for (let i = 0; i < cycle; i++) b.se('offset_for_ref_frame');
  }
  b.ue('max_num_ref_frames');
  b.flag('gaps_in_frame_num_value_allowed_flag');
  const widthMbs = b.ue('pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = b.ue('pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = b.flag('frame_mbs_only_flag');
  if (!frameMbsOnly) b.flag('mb_adaptive_frame_field_flag');
  b.flag('direct_8x8_inference_flag');
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (b.flag('frame_cropping_flag')) {
    crop = {
      left: b.ue('frame_crop_left_offset'),
      right: b.ue('frame_crop_right_offset'),
      top: b.ue('frame_crop_top_offset'),
      bottom: b.ue('frame_crop_bottom_offset'),
    };
  }
  // §7.4.2.1.1 (7-19..7-22): crop units follow ChromaArrayType and field coding.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const fieldFactor = frameMbsOnly ? 1 : 2;
  const cropUnitX = chromaArrayType === 0 ? 1 : chromaFormatIdc === 3 ? 1 : 2;
  const cropUnitY = (chromaArrayType === 0 ? 1 : chromaFormatIdc === 1 ? 2 : 1) * fieldFactor;
  const width = widthMbs * 16 - cropUnitX * (crop.left + crop.right);
  const height = fieldFactor * heightMapUnits * 16 - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0 || width > H264_MAX_DIMENSION || height > H264_MAX_DIMENSION) {
    throw new MediaError('invalid', `H.264 SPS gives a ${width}x${height} picture`);
  }
  const result: H264Sps = { profileIdc, levelIdc, chromaFormatIdc, bitDepthLuma, width, height };
  if (b.flag('vui_parameters_present_flag')) {
    const frameRate = readVuiFrameRate(b);
    if (frameRate !== undefined) result.frameRate = frameRate;
  }
  return result;
}

/** §7.3.2.1.1.1 scaling_list(): only its length matters here. */
function skipScalingList(b: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && next !== 0; j++) {
    next = (last + b.se('delta_scale') + 256) % 256;
    if (next !== 0) last = next;
  }
}

/** Annex E.1.1 up to timing_info; returns the frame rate when the timing info is present. */
function readVuiFrameRate(b: BitReader): number | undefined {
  if (b.flag('aspect_ratio_info_present_flag') && b.u(8, 'aspect_ratio_idc') === EXTENDED_SAR) {
    b.skip(32, 'sar_width/sar_height');
  }
  if (b.flag('overscan_info_present_flag')) b.flag('overscan_appropriate_flag');
  if (b.flag('video_signal_type_present_flag')) {
    b.skip(4, 'video_format/video_full_range_flag');
    if (b.flag('colour_description_present_flag')) b.skip(24, 'colour_primaries/transfer/matrix');
  }
  if (b.flag('chroma_loc_info_present_flag')) {
    b.ue('chroma_sample_loc_type_top_field');
    b.ue('chroma_sample_loc_type_bottom_field');
  }
  if (!b.flag('timing_info_present_flag')) return undefined;
  const unitsInTick = b.u(32, 'num_units_in_tick');
  const timeScale = b.u(32, 'time_scale');
  // E.2.1: one frame lasts two ticks (a tick is a field).
  return unitsInTick > 0 && timeScale > 0 ? timeScale / (2 * unitsInTick) : undefined;
}
