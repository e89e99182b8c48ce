// Length-prefixed NAL units, the sample layout of H.264 and HEVC in RTMP and MP4 (ISO/IEC 14496-15
// §5.3.2, §8.3.2): each NAL unit is preceded by its size in nalLengthSize big-endian bytes.
import { MuxError, MuxErrorCode } from './errors';

/**
 * Views over the NAL units of a length-prefixed payload. A length running past the end is a
 * malformed sample: a truncated access unit would decode to garbage, so it is refused whole.
 */
export function lengthPrefixedNalUnits(data: Buffer, lengthSize: 1 | 2 | 4): Buffer[] {
  const units: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + lengthSize > data.length) {
      throw new MuxError(
        MuxErrorCode.MalformedSample,
        `NAL length prefix at ${at} needs ${lengthSize} bytes, ${data.length - at} left`,
      );
    }
    const length = data.readUIntBE(at, lengthSize);
    at += lengthSize;
    if (length > data.length - at) {
      throw new MuxError(
        MuxErrorCode.MalformedSample,
        `NAL unit of ${length} bytes at ${at} runs past the ${data.length}-byte sample`,
      );
    }
    if (length > 0) units.push(data.subarray(at, at + length));
    at += length;
  }
  return units;
}
