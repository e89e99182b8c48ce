// ADTS header for AAC in MPEG-TS (ISO/IEC 14496-3 §1.A.2.2, ISO/IEC 13818-7 §6.2): stream_type 0x0F
// carries AAC in ADTS frames, while RTMP carries raw frames plus one AudioSpecificConfig.
import { MuxError, MuxErrorCode } from '../errors';
import type { AudioConfig } from '../types';

export const ADTS_HEADER_SIZE = 7; // protection_absent = 1: no CRC
/** aac_frame_length is 13 bits and includes the header. */
export const MAX_ADTS_FRAME_LENGTH = 0x1fff;
/** adts_buffer_fullness 0x7FF signals a variable bit rate stream. */
const BUFFER_FULLNESS_VBR = 0x7ff;
/** ADTS profile is 2 bits (object type - 1): Main, LC, SSR, LTP. */
const MAX_ADTS_OBJECT_TYPE = 4;
/** HE-AAC (SBR 5, PS 29) is written as its LC core (2); the decoder finds SBR/PS implicitly (§1.6.5.2). */
const HE_AAC_OBJECT_TYPES: ReadonlySet<number> = new Set([5, 29]);
const AAC_LC = 2;
const MAX_SAMPLING_FREQUENCY_INDEX = 12;
const MAX_ADTS_CHANNEL_CONFIGURATION = 7;
/** audioObjectType + samplingFrequencyIndex + channelConfiguration: 13 bits, in 2 bytes. */
const ASC_FIXED_FIELDS_SIZE = 2;

/**
 * The fixed part of the header for a config; the frame length is patched per frame by `adtsHeader`.
 * ADTS repeats the first three AudioSpecificConfig fields (ISO/IEC 14496-3 §1.6.2.1: audioObjectType
 * 5 bits, samplingFrequencyIndex 4 bits, channelConfiguration 4 bits), so they are read from its first
 * 13 bits. With explicit SBR/PS signalling those are the SBR type and the core rate, which is what ADTS
 * wants: an LC core at its own rate, SBR found implicitly by the decoder.
 */
export function adtsHeaderTemplate(config: AudioConfig): Buffer {
  const asc = config.audioSpecificConfig;
  if (config.codec !== 'aac' || asc === undefined || asc.length < ASC_FIXED_FIELDS_SIZE) {
    throw new MuxError(
      MuxErrorCode.TrackMismatch,
      `ADTS needs an AAC AudioSpecificConfig, got ${config.codec}`,
    );
  }
  const audioObjectType = asc[0]! >> 3;
  const samplingFrequencyIndex = ((asc[0]! & 0x07) << 1) | (asc[1]! >> 7);
  const channelConfiguration = (asc[1]! >> 3) & 0x0f;
  const objectType = HE_AAC_OBJECT_TYPES.has(audioObjectType) ? AAC_LC : audioObjectType;
  if (
    objectType < 1 ||
    objectType > MAX_ADTS_OBJECT_TYPE ||
    samplingFrequencyIndex > MAX_SAMPLING_FREQUENCY_INDEX ||
    channelConfiguration > MAX_ADTS_CHANNEL_CONFIGURATION
  ) {
    throw new MuxError(
      MuxErrorCode.MalformedSample,
      `AAC config not expressible in ADTS: object type ${audioObjectType}, ` +
        `frequency index ${samplingFrequencyIndex}, channel configuration ${channelConfiguration}`,
    );
  }
  const header = Buffer.alloc(ADTS_HEADER_SIZE);
  header[0] = 0xff; // syncword 0xFFF ...
  header[1] = 0xf1; // ... ID 0 (MPEG-4), layer 00, protection_absent 1
  header[2] = ((objectType - 1) << 6) | (samplingFrequencyIndex << 2) | (channelConfiguration >> 2);
  header[3] = (channelConfiguration & 0x3) << 6;
  header[5] = BUFFER_FULLNESS_VBR >> 6;
  header[6] = (BUFFER_FULLNESS_VBR & 0x3f) << 2; // number_of_raw_data_blocks_in_frame - 1 = 0
  return header;
}

/** A new 7-byte header for a raw frame of `payloadLength` bytes. */
export function adtsHeader(template: Buffer, payloadLength: number): Buffer {
  const frameLength = ADTS_HEADER_SIZE + payloadLength;
  if (frameLength > MAX_ADTS_FRAME_LENGTH) {
    throw new MuxError(
      MuxErrorCode.MalformedSample,
      `AAC frame of ${payloadLength} bytes exceeds the ADTS limit of ${MAX_ADTS_FRAME_LENGTH - ADTS_HEADER_SIZE}`,
    );
  }
  const header = Buffer.from(template);
  header[3] = (header[3]! & 0xfc) | (frameLength >> 11);
  header[4] = (frameLength >> 3) & 0xff;
  header[5] = ((frameLength & 0x7) << 5) | (header[5]! & 0x1f);
  return header;
}
