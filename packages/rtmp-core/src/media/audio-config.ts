/**
 * Audio decoder configuration: MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1),
 * the AAC sequence header, and the Opus ID header (RFC 7845 §5.1), the Enhanced RTMP
 * Opus sequence start.
 */
import { BitReader } from './bit-reader';
import { MediaError } from './media-error';

export interface AudioSpecificConfig {
  /** audioObjectType, e.g. 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS (HE-AACv2); for SBR/PS the underlying type. */
  objectType: number;
  /** Output sample rate (the SBR extension rate for HE-AAC). */
  sampleRate: number;
  /** 0 means the channel layout is in a program_config_element. */
  channels: number;
  /** True for explicitly signalled SBR or PS (HE-AAC v1/v2). */
  sbr: boolean;
  /**
   * The core's samplingFrequencyIndex and channelConfiguration as coded, which an ADTS
   * header (HLS MPEG-TS) repeats; index 15 means an explicit rate that ADTS cannot carry.
   */
  samplingFrequencyIndex: number;
  channelConfiguration: number;
}

/** §1.6.3.4 Table 1.18 samplingFrequencyIndex 0..12; 13, 14 reserved; 15 = explicit 24-bit value. */
const SAMPLING_FREQUENCIES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
const EXPLICIT_FREQUENCY = 0x0f;
/** §1.6.3.5 Table 1.19: channelConfiguration 7 is 7.1 (8 channels); 8..15 reserved. */
const CHANNELS_BY_CONFIGURATION = [0, 1, 2, 3, 4, 5, 6, 8];
/** §1.6.2.1 GetAudioObjectType: 31 escapes to 32 + 6 more bits. */
const OBJECT_TYPE_ESCAPE = 31;
const OBJECT_TYPE_SBR = 5;
const OBJECT_TYPE_PS = 29;

export function parseAudioSpecificConfig(buf: Uint8Array): AudioSpecificConfig {
  const b = new BitReader(buf);
  let objectType = readObjectType(b);
  const core = readFrequency(b);
  const channelConfiguration = b.u(4, 'channelConfiguration');
  let channels = CHANNELS_BY_CONFIGURATION[channelConfiguration];
  if (channels === undefined) {
    throw new MediaError('invalid', `channelConfiguration ${channelConfiguration} is reserved`);
  }
  let sampleRate = core.rate;
  const sbr = objectType === OBJECT_TYPE_SBR || objectType === OBJECT_TYPE_PS;
  if (sbr) {
    // Explicit hierarchical signalling: the extension rate is the output rate, then the core object type.
    if (objectType === OBJECT_TYPE_PS && channels === 1) channels = 2;
    sampleRate = readFrequency(b).rate;
    objectType = readObjectType(b);
  }
  return { objectType, sampleRate, channels, sbr, samplingFrequencyIndex: core.index, channelConfiguration };
}

function readObjectType(b: BitReader): number {
  const t = b.u(5, 'audioObjectType');
  return t === OBJECT_TYPE_ESCAPE ? 32 + b.u(6, 'audioObjectTypeExt') : t;
}

function readFrequency(b: BitReader): { index: number; rate: number } {
  const index = b.u(4, 'samplingFrequencyIndex');
  if (index === EXPLICIT_FREQUENCY) return { index, rate: b.u(24, 'samplingFrequency') };
  const rate = SAMPLING_FREQUENCIES[index];
  if (rate === undefined) throw new MediaError('invalid', `samplingFrequencyIndex ${index} is reserved`);
  return { index, rate };
}

export interface OpusHead {
  channels: number;
  /** The encoder's input rate (informational); Opus always decodes at 48 kHz. */
  inputSampleRate: number;
  preSkip: number;
}

/** RFC 7845 §5.1: "OpusHead", version, channel count, pre-skip (LE16), input rate (LE32), ... */
const OPUS_HEAD_MAGIC = 'OpusHead';
const OPUS_HEAD_MIN_BYTES = 19;
/** RFC 7845 §5.1: only the major version (upper 4 bits) 0 is understood. */
const OPUS_MAJOR_VERSION_MASK = 0xf0;

export function parseOpusHead(buf: Buffer): OpusHead {
  if (buf.length < OPUS_HEAD_MIN_BYTES)
    throw new MediaError('truncated', `OpusHead needs ${OPUS_HEAD_MIN_BYTES} bytes`);
  if (buf.toString('latin1', 0, 8) !== OPUS_HEAD_MAGIC)
    throw new MediaError('invalid', 'missing OpusHead magic');
  const version = buf.readUInt8(8);
  if ((version & OPUS_MAJOR_VERSION_MASK) !== 0)
    throw new MediaError('unsupported', `OpusHead version ${version}`);
  return { channels: buf.readUInt8(9), preSkip: buf.readUInt16LE(10), inputSampleRate: buf.readUInt32LE(12) };
}

/** RFC 7845 §4: Opus decodes at 48 kHz whatever the input rate. */
export const OPUS_SAMPLE_RATE = 48_000;
