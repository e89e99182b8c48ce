/**
 * AV1 configuration: AV1CodecConfigurationRecord ("AV1 Codec ISO Media File Format
 * Binding" §2.3.3, the Enhanced RTMP av01 sequence start) and the picture size from
 * its sequence header OBU (AV1 bitstream spec §5.5.1).
 */
import { BitReader } from './bit-reader';
import { MediaError } from './media-error';
import { MediaReader } from './media-reader';

export interface Av1CodecConfigurationRecord {
  seqProfile: number;
  seqLevelIdx0: number;
  seqTier0: number;
  /** 8, 10 or 12. */
  bitDepth: number;
  monochrome: boolean;
  /** The configOBUs field: normally the sequence header OBU. A view into the record. */
  configObus: Buffer;
  /** From the sequence header OBU, when the record carries one. */
  width?: number;
  height?: number;
  frameRate?: number;
}

/** §2.3.3: marker bit 1 and version 1 in the first byte. */
const AV1C_MARKER_VERSION = 0x81;
const AV1C_HEADER_BYTES = 4;
/** AV1 §6.2.2 obu_type of a sequence header. */
const OBU_SEQUENCE_HEADER = 1;
/** AV1 §4.10.5: leb128 values take at most 8 bytes. */
const MAX_LEB128_BYTES = 8;
/** AV1 §4.10.3 uvlc(): 32 or more leading zeros mean the value 2^32 - 1. */
const UVLC_MAX_LEADING_ZEROS = 32;

export function parseAv1CodecConfigurationRecord(buf: Buffer): Av1CodecConfigurationRecord {
  const r = new MediaReader(buf);
  const markerVersion = r.u8('marker/version');
  if (markerVersion !== AV1C_MARKER_VERSION) {
    throw new MediaError(
      'invalid',
      `AV1CodecConfigurationRecord marker/version 0x${markerVersion.toString(16)}`,
    );
  }
  const profileLevel = r.u8('seq_profile/seq_level_idx_0');
  const flags = r.u8('seq_tier_0..chroma_sample_position');
  r.skip(1, 'initial_presentation_delay');
  const highBitdepth = (flags & 0x40) !== 0;
  const twelveBit = (flags & 0x20) !== 0;
  const record: Av1CodecConfigurationRecord = {
    seqProfile: profileLevel >> 5,
    seqLevelIdx0: profileLevel & 0x1f,
    seqTier0: flags >> 7,
    bitDepth: highBitdepth ? (twelveBit ? 12 : 10) : 8,
    monochrome: (flags & 0x10) !== 0,
    configObus: buf.subarray(AV1C_HEADER_BYTES),
  };
  const sequenceHeader = findSequenceHeaderObu(record.configObus);
  if (sequenceHeader) Object.assign(record, parseAv1SequenceHeader(sequenceHeader));
  return record;
}

/** Walks low-overhead OBUs (§5.3) and returns the payload of the first sequence header. */
function findSequenceHeaderObu(obus: Buffer): Buffer | undefined {
  const r = new MediaReader(obus);
  while (r.remaining > 0) {
    const header = r.u8('obu_header');
    const type = (header >> 3) & 0x0f;
    if ((header & 0x04) !== 0) r.skip(1, 'obu_extension_header');
    const size = (header & 0x02) !== 0 ? readLeb128(r) : r.remaining;
    const payload = r.slice(size, 'OBU payload');
    if (type === OBU_SEQUENCE_HEADER) return payload;
  }
  return undefined;
}

function readLeb128(r: MediaReader): number {
  let value = 0;
  for (let i = 0; i < MAX_LEB128_BYTES; i++) {
    const b = r.u8('leb128');
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value;
  }
  throw new MediaError('invalid', `leb128 longer than ${MAX_LEB128_BYTES} bytes`);
}

/** §5.5.1 sequence_header_obu() up to max_frame_height_minus_1. */
export function parseAv1SequenceHeader(obu: Uint8Array): {
  width: number;
  height: number;
  frameRate?: number;
} {
  const b = new BitReader(obu);
  b.skip(3 + 1, 'seq_profile/still_picture');
  const reduced = b.flag('reduced_still_picture_header');
  let frameRate: number | undefined;
  if (reduced) {
    b.skip(5, 'seq_level_idx[0]');
  } else {
    let bufferDelayLength = 0;
    let decoderModelInfo = false;
    if (b.flag('timing_info_present_flag')) {
      const unitsInTick = b.u(32, 'num_units_in_display_tick');
      const timeScale = b.u(32, 'time_scale');
      if (b.flag('equal_picture_interval')) {
        const ticksPerPicture = readUvlc(b) + 1;
        if (unitsInTick > 0) frameRate = timeScale / (unitsInTick * ticksPerPicture);
      }
      decoderModelInfo = b.flag('decoder_model_info_present_flag');
      if (decoderModelInfo) {
        bufferDelayLength = b.u(5, 'buffer_delay_length_minus_1') + 1;
        b.skip(32 + 5 + 5, 'decoder_model_info');
      }
    }
    const initialDisplayDelay = b.flag('initial_display_delay_present_flag');
    const operatingPoints = b.u(5, 'operating_points_cnt_minus_1') + 1;
    for (let i = 0; i < operatingPoints; i++) {
      b.skip(12, 'operating_point_idc');
      if (b.u(5, 'seq_level_idx') > 7) b.skip(1, 'seq_tier');
      if (decoderModelInfo && b.flag('decoder_model_present_for_this_op')) {
        b.skip(2 * bufferDelayLength + 1, 'operating_parameters_info');
      }
      if (initialDisplayDelay && b.flag('initial_display_delay_present_for_this_op')) {
        b.skip(4, 'initial_display_delay_minus_1');
      }
    }
  }
  const widthBits = b.u(4, 'frame_width_bits_minus_1') + 1;
  const heightBits = b.u(4, 'frame_height_bits_minus_1') + 1;
  const width = b.u(widthBits, 'max_frame_width_minus_1') + 1;
  const height = b.u(heightBits, 'max_frame_height_minus_1') + 1;
  return frameRate === undefined ? { width, height } : { width, height, frameRate };
}

function readUvlc(b: BitReader): number {
  let zeros = 0;
  while (!b.flag('uvlc')) {
    if (++zeros >= UVLC_MAX_LEADING_ZEROS) return 2 ** 32 - 1;
  }
  return b.u(zeros, 'uvlc') + 2 ** zeros - 1;
}
