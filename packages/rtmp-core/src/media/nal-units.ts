/**
 * Length-prefixed NAL units (ISO/IEC 14496-15 "AVCC"/"HVCC" sample format), as carried
 * in RTMP/FLV H.264 and HEVC coded frames.
 */
import { MediaError } from './media-error';

/** lengthSizeMinusOne is 2 bits, so NAL length fields are 1 to 4 bytes. */
const MAX_LENGTH_SIZE = 4;

/**
 * Yields each NAL unit of an AVCC/HVCC payload as a view (no copy). Empty units are
 * skipped. Throws `MediaError('truncated')` when a length runs past the payload.
 */
export function* splitNalUnits(payload: Uint8Array, lengthSize: number): Generator<Uint8Array> {
  if (!Number.isInteger(lengthSize) || lengthSize < 1 || lengthSize > MAX_LENGTH_SIZE) {
    throw new MediaError('invalid', `NAL length size ${lengthSize} outside 1..${MAX_LENGTH_SIZE}`);
  }
  let pos = 0;
  while (pos < payload.length) {
    if (payload.length - pos < lengthSize) {
      throw new MediaError('truncated', `NAL length field needs ${lengthSize} bytes at offset ${pos}`);
    }
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + (payload[pos + i] ?? 0);
    pos += lengthSize;
    if (length > payload.length - pos) {
      throw new MediaError(
        'truncated',
        `NAL unit of ${length} bytes at offset ${pos}, ${payload.length - pos} left`,
      );
    }
    if (length > 0) yield payload.subarray(pos, pos + length);
    pos += length;
  }
}

/** H.264 §7.4.1.2 nal_unit_type of an IDR picture slice. */
const H264_NAL_IDR = 5;

export function h264NalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

/** H.265 §7.4.2.2: nal_unit_type is bits 1..6 of the first header byte. */
export function hevcNalType(nal: Uint8Array): number {
  return ((nal[0] ?? 0) >> 1) & 0x3f;
}

/** H.265 Table 7-1: IRAP pictures (BLA, IDR, CRA) and the reserved IRAP types are 16..23. */
const HEVC_IRAP_FIRST = 16;
const HEVC_IRAP_LAST = 23;

/** True when the AVCC payload holds an IDR slice (a decoder can start there). */
export function isH264Keyframe(payload: Uint8Array, lengthSize: number): boolean {
  for (const nal of splitNalUnits(payload, lengthSize)) if (h264NalType(nal) === H264_NAL_IDR) return true;
  return false;
}

/** True when the HVCC payload holds an IRAP picture (IDR, CRA or BLA). */
export function isHevcKeyframe(payload: Uint8Array, lengthSize: number): boolean {
  for (const nal of splitNalUnits(payload, lengthSize)) {
    const t = hevcNalType(nal);
    if (t >= HEVC_IRAP_FIRST && t <= HEVC_IRAP_LAST) return true;
  }
  return false;
}
