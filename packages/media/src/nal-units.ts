// Length-prefixed NAL units (ISO/IEC 14496-15 §5.3.2, §8.3.2), split by @tributary/rtmp-core; this
// adapter gives Buffer views (the packetizer copies with Buffer#copy) and our error type.
import { MediaError as RtmpMediaError, splitNalUnits } from '@tributary/rtmp-core';
import { MuxError, MuxErrorCode } from './errors';

/**
 * Views over the NAL units of a length-prefixed payload. A length running past the end is a
 * malformed sample: a truncated access unit would decode to garbage, so it is refused whole.
 */
export function lengthPrefixedNalUnits(data: Buffer, lengthSize: 1 | 2 | 4): Buffer[] {
  try {
    return Array.from(splitNalUnits(data, lengthSize), (unit) =>
      Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength),
    );
  } catch (error) {
    if (error instanceof RtmpMediaError) throw new MuxError(MuxErrorCode.MalformedSample, error.message);
    throw error;
  }
}
