// Sample entries for the stsd box: the codec of each track and its decoder configuration.
//   avc1/avcC, hvc1/hvcC  ISO/IEC 14496-15 §5.4.2.1, §8.4.1.1
//   av01/av1C             AV1 Codec ISOBMFF Binding §2.2, §2.3
//   mp4a/esds             ISO/IEC 14496-14 §5.6, ISO/IEC 14496-1 §7.2.6 (descriptors)
//   Opus/dOps             Encapsulation of Opus in ISOBMFF §4.3
import { MuxError, MuxErrorCode } from '../errors';
import type { AudioConfig, VideoConfig } from '../types';
import { box, fields } from './boxes';

const VIDEO_FOURCC = { h264: 'avc1', hevc: 'hvc1', av1: 'av01' } as const;
const CONFIG_FOURCC = { h264: 'avcC', hevc: 'hvcC', av1: 'av1C' } as const;
/** 72 dpi in 16.16 fixed point, the value §12.1.3.2 prescribes. */
const DPI_72 = 0x00480000;
/** 24-bit colour, no alpha (§12.1.3.2). */
const DEPTH_24 = 0x0018;
const DATA_REFERENCE_INDEX = 1;

/** The 8 bytes every SampleEntry starts with: 6 reserved zero bytes + data_reference_index (§8.5.2.2). */
function sampleEntryHeader(): Buffer {
  return fields([4, 0], [2, 0], [2, DATA_REFERENCE_INDEX]);
}

export function videoSampleEntry(config: VideoConfig): Buffer {
  const visual = Buffer.alloc(70);
  // pre_defined + reserved (16 bytes of 0), then width/height.
  visual.writeUInt16BE(config.width & 0xffff, 16);
  visual.writeUInt16BE(config.height & 0xffff, 18);
  visual.writeUInt32BE(DPI_72, 20);
  visual.writeUInt32BE(DPI_72, 24);
  // reserved (4), frame_count 1, compressorname (32 bytes, empty Pascal string).
  visual.writeUInt16BE(1, 32);
  visual.writeUInt16BE(DEPTH_24, 66);
  visual.writeInt16BE(-1, 68); // pre_defined
  return box(
    VIDEO_FOURCC[config.codec],
    sampleEntryHeader(),
    visual,
    box(CONFIG_FOURCC[config.codec], config.record),
  );
}

/** ObjectTypeIndication (ISO/IEC 14496-1 table 5, mp4ra.org). */
const ObjectTypeIndication = { Mpeg4Audio: 0x40, Mpeg2Audio: 0x69, Mpeg1Audio: 0x6b } as const;
/** streamType 5 (AudioStream) << 2 | upStream 0 | reserved 1. */
const AUDIO_STREAM_TYPE_BYTE = 0x15;
const DescriptorTag = {
  EsDescriptor: 0x03,
  DecoderConfig: 0x04,
  DecoderSpecificInfo: 0x05,
  SlConfig: 0x06,
} as const;
/** SLConfigDescriptor predefined = 2: "reserved for use in MP4 files" (ISO/IEC 14496-14 §3.1.2). */
const SL_PREDEFINED_MP4 = 0x02;
/** MPEG-1 audio covers 32-48 kHz; below is MPEG-2 audio (ISO/IEC 13818-3). */
const MPEG1_AUDIO_MIN_RATE = 32_000;
const OPUS_SAMPLE_RATE = 48_000;
/** 16.16 samplerate field of AudioSampleEntry holds at most 65535 Hz; higher rates write 0 (§12.2.3). */
const MAX_SAMPLERATE_FIELD = 0xffff;

/** A descriptor with its size as the 1-4 byte expandable length (ISO/IEC 14496-1 §8.3.3). */
function descriptor(tag: number, ...payload: readonly Buffer[]): Buffer {
  const size = payload.reduce((sum, part) => sum + part.length, 0);
  const length: number[] = [size & 0x7f];
  for (let rest = size >> 7; rest > 0; rest >>= 7) length.unshift((rest & 0x7f) | 0x80);
  return Buffer.concat([Buffer.from([tag, ...length]), ...payload]);
}

function esds(trackId: number, objectType: number, decoderSpecificInfo: Buffer | undefined): Buffer {
  const decoderConfig = descriptor(
    DescriptorTag.DecoderConfig,
    // objectTypeIndication, streamType, bufferSizeDB (24 bits), maxBitrate, avgBitrate: sizes unknown live.
    fields([1, objectType], [1, AUDIO_STREAM_TYPE_BYTE], [1, 0], [2, 0], [4, 0], [4, 0]),
    ...(decoderSpecificInfo ? [descriptor(DescriptorTag.DecoderSpecificInfo, decoderSpecificInfo)] : []),
  );
  const es = descriptor(
    DescriptorTag.EsDescriptor,
    fields([2, trackId], [1, 0]), // ES_ID, no dependsOn/URL/OCR flags, priority 0
    decoderConfig,
    descriptor(DescriptorTag.SlConfig, Buffer.from([SL_PREDEFINED_MP4])),
  );
  return box('esds', fields([4, 0]), es);
}

/**
 * dOps from the OpusHead header (RFC 7845 §5.1): same fields, but big-endian, version 0 and without
 * the magic signature (Opus in ISOBMFF §4.3.2).
 */
function dOps(config: AudioConfig): Buffer {
  const head = config.opusHead;
  const OPUS_HEAD_MIN_SIZE = 19;
  if (
    head === undefined ||
    head.length < OPUS_HEAD_MIN_SIZE ||
    head.toString('latin1', 0, 8) !== 'OpusHead'
  ) {
    throw new MuxError(MuxErrorCode.MalformedSample, 'Opus track without a valid OpusHead');
  }
  const channels = head[9]!;
  const mappingFamily = head[18]!;
  const mappingTable = mappingFamily === 0 ? Buffer.alloc(0) : head.subarray(19, 21 + channels);
  if (mappingFamily !== 0 && mappingTable.length !== 2 + channels) {
    throw new MuxError(MuxErrorCode.MalformedSample, 'OpusHead channel mapping table is truncated');
  }
  return box(
    'dOps',
    fields([1, 0], [1, channels], [2, head.readUInt16LE(10)], [4, head.readUInt32LE(12)]),
    fields([2, head.readUInt16LE(16)], [1, mappingFamily]),
    mappingTable,
  );
}

export function audioSampleEntry(config: AudioConfig, trackId: number): Buffer {
  const sampleRate = config.codec === 'opus' ? OPUS_SAMPLE_RATE : config.sampleRate;
  // reserved (8), channelcount, samplesize 16, pre_defined, reserved, samplerate 16.16.
  const audio = fields(
    [4, 0],
    [4, 0],
    [2, config.channels],
    [2, 16],
    [2, 0],
    [2, 0],
    [4, (sampleRate <= MAX_SAMPLERATE_FIELD ? sampleRate : 0) * 0x10000],
  );
  switch (config.codec) {
    case 'aac': {
      if (config.audioSpecificConfig === undefined)
        throw new MuxError(MuxErrorCode.MalformedSample, 'AAC track without ASC');
      const info = config.audioSpecificConfig;
      return box('mp4a', sampleEntryHeader(), audio, esds(trackId, ObjectTypeIndication.Mpeg4Audio, info));
    }
    case 'mp3': {
      const objectType =
        config.sampleRate >= MPEG1_AUDIO_MIN_RATE
          ? ObjectTypeIndication.Mpeg1Audio
          : ObjectTypeIndication.Mpeg2Audio;
      return box('mp4a', sampleEntryHeader(), audio, esds(trackId, objectType, undefined));
    }
    case 'opus':
      return box('Opus', sampleEntryHeader(), audio, dOps(config));
    default:
      throw new MuxError(MuxErrorCode.UnsupportedCodec, `fMP4 cannot carry ${String(config.codec)} audio`);
  }
}
