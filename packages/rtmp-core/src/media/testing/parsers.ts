/** Every byte-level media parser behind one signature, for the property tests and the corpus replay. */
import {
  parseAudioSpecificConfig,
  parseAudioTagHeader,
  parseAv1CodecConfigurationRecord,
  parseAvcDecoderConfigurationRecord,
  parseFlv,
  parseH264Sps,
  parseHevcDecoderConfigurationRecord,
  parseHevcSpsSize,
  parseOpusHead,
  parseVideoTagHeader,
  splitNalUnits,
} from '../index';

/**
 * Keyed by the file-name prefix used in fuzz-corpus/media/. `video`/`audio` also parse
 * the configuration record and SPS the tag announces, as the edge does.
 */
export const MEDIA_PARSERS: Record<string, (b: Buffer) => unknown> = {
  flv: (b) => parseFlv(b),
  video: (b) => {
    const h = parseVideoTagHeader(b);
    const body = b.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (h.isSequenceHeader && h.codec === 'h264') {
      for (const sps of parseAvcDecoderConfigurationRecord(body).sps) parseH264Sps(sps);
    } else if (h.isSequenceHeader && h.codec === 'hevc') {
      parseHevcDecoderConfigurationRecord(body);
    } else if (h.isSequenceHeader && h.codec === 'av1') {
      parseAv1CodecConfigurationRecord(body);
    } else if (h.codec === 'h264' || h.codec === 'hevc') {
      return [...splitNalUnits(body, 4)];
    }
    return h;
  },
  audio: (b) => {
    const h = parseAudioTagHeader(b);
    const body = b.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (h.isSequenceHeader && h.codec === 'aac') return parseAudioSpecificConfig(body);
    if (h.isSequenceHeader && h.codec === 'opus') return parseOpusHead(body);
    return h;
  },
  avcc: (b) => parseAvcDecoderConfigurationRecord(b),
  sps: (b) => parseH264Sps(b),
  hvcc: (b) => parseHevcDecoderConfigurationRecord(b),
  hevcsps: (b) => parseHevcSpsSize(b),
  av1c: (b) => parseAv1CodecConfigurationRecord(b),
  asc: (b) => parseAudioSpecificConfig(b),
  nal: (b) => [...splitNalUnits(b, 4)],
};
