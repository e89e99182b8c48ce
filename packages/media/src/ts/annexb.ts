// AVCC/HVCC (length-prefixed NAL units, ISO/IEC 14496-15 §5.3.2) to Annex-B byte stream (ITU-T H.264
// Annex B, H.265 Annex B), as the list of buffers the packetizer gathers: start codes are shared
// constants and NAL units stay views over the sample, so nothing here copies payload.
import { h264NalType, hevcNalType } from '@tributary/rtmp-core';
import { MuxError, MuxErrorCode } from '../errors';
import { lengthPrefixedNalUnits } from '../nal-units';
import type { VideoCodec, VideoSample } from '../types';

const START_CODE = Buffer.from([0x00, 0x00, 0x00, 0x01]);

/**
 * Access unit delimiters, with the start code. H.264 §7.3.2.4: nal_unit_type 9, primary_pic_type 7
 * ("any slice type") + stop bit. H.265 §7.3.2.5: nal_unit_type 35, layer 0, tid 1, pic_type 2 + stop bit.
 * Apple's HLS authoring spec and some decoders want one at the start of every access unit.
 */
const ACCESS_UNIT_DELIMITER = {
  h264: Buffer.from([0x00, 0x00, 0x00, 0x01, 0x09, 0xf0]),
  hevc: Buffer.from([0x00, 0x00, 0x00, 0x01, 0x46, 0x01, 0x50]),
} as const;

const NAL_TYPE_AUD = { h264: 9, hevc: 35 } as const;

function nalUnitType(codec: 'h264' | 'hevc', unit: Buffer): number {
  return codec === 'h264' ? h264NalType(unit) : hevcNalType(unit);
}

/**
 * The Annex-B access unit for a sample: AUD, then (on keyframes) the parameter sets of its config,
 * then the sample's own NAL units minus any AUD it carried. Returns the parts and their total size.
 */
export function annexBAccessUnit(sample: VideoSample): { parts: Buffer[]; length: number } {
  const codec = sample.config.codec as VideoCodec;
  if (codec !== 'h264' && codec !== 'hevc') {
    throw new MuxError(MuxErrorCode.UnsupportedCodec, `MPEG-TS carries h264 and hevc video, not ${codec}`);
  }
  const units = lengthPrefixedNalUnits(sample.data, sample.config.nalLengthSize);
  if (units.length === 0) throw new MuxError(MuxErrorCode.MalformedSample, 'video sample has no NAL unit');

  const aud = ACCESS_UNIT_DELIMITER[codec];
  const parts: Buffer[] = [aud];
  let length = aud.length;
  const push = (unit: Buffer): void => {
    parts.push(START_CODE, unit);
    length += START_CODE.length + unit.length;
  };
  if (sample.keyframe) for (const set of sample.config.parameterSets) push(set);
  for (const unit of units) if (nalUnitType(codec, unit) !== NAL_TYPE_AUD[codec]) push(unit);
  return { parts, length };
}
