/**
 * Writing Enhanced RTMP tags (Veovera "Enhanced RTMP" v1 ExVideoTagHeader, v2 ExAudioTagHeader):
 * what an encoder sends for HEVC, AV1, VP9 and Opus, which ffmpeg 5.1's FLV muxer cannot write.
 * Single-track, no ModEx: the forms every Enhanced RTMP receiver reads. `parseVideoTagHeader` and
 * `parseAudioTagHeader` read back exactly what these write (media-writer.test.ts).
 */
import { MediaError } from './media-error';

/** v1 VideoPacketType values written here. */
const VideoPacketType = { SequenceStart: 0, CodedFrames: 1, SequenceEnd: 2, CodedFramesX: 3 } as const;
/** v2 AudioPacketType values written here. */
const AudioPacketType = { SequenceStart: 0, CodedFrames: 1, SequenceEnd: 2 } as const;
/** v1: the high bit of the first byte says a FourCC follows (IsExHeader). */
const IS_EX_HEADER = 0x80;
/** v2: SoundFormat 9 is the audio ExHeader. */
const AUDIO_EX_HEADER = 0x90;
/** v1 VideoFrameType: 1 key, 2 inter, 3 disposable, 4 generated key. */
const FRAME_TYPES = { key: 1, inter: 2, disposable: 3, 'generated-key': 4 } as const;
/** SI24 CompositionTime range. */
const SI24_MIN = -0x800000;
const SI24_MAX = 0x7fffff;
/** FourCCs whose CodedFrames carry an SI24 CompositionTime (v1 spec: avc1 and hvc1). */
const WITH_COMPOSITION_TIME: ReadonlySet<string> = new Set(['avc1', 'hvc1']);

export type ExVideoFrameType = keyof typeof FRAME_TYPES;

export interface ExVideoTag {
  fourCc: string;
  /** 'sequence-start' carries the decoder configuration record (hvcC, av1C, vpcC, avcC). */
  packetType: 'sequence-start' | 'coded-frames' | 'sequence-end';
  /** Default 'key' for sequence start/end, which carry no picture. */
  frameType?: ExVideoFrameType;
  /** avc1/hvc1 coded frames only: PTS - DTS in ms (SI24). 0 writes CodedFramesX (no field). */
  compositionTimeMs?: number;
  body: Uint8Array;
}

export interface ExAudioTag {
  fourCc: string;
  /** 'sequence-start' carries the codec's configuration (Opus: the OpusHead, RFC 7845 §5.1). */
  packetType: 'sequence-start' | 'coded-frames' | 'sequence-end';
  body: Uint8Array;
}

function fourCcBytes(fourCc: string): Buffer {
  const bytes = Buffer.from(fourCc, 'latin1');
  if (bytes.length !== 4 || bytes.toString('latin1') !== fourCc) {
    throw new MediaError('invalid', `FourCC must be 4 latin1 characters, got ${JSON.stringify(fourCc)}`);
  }
  return bytes;
}

/** The ExVideoTagHeader bytes of `tag` (everything before its body). Throws only `MediaError`. */
export function encodeExVideoTagHeader(tag: Omit<ExVideoTag, 'body'>): Buffer {
  const fourCc = fourCcBytes(tag.fourCc);
  const frameType = FRAME_TYPES[tag.frameType ?? 'key'];
  if (frameType === undefined) throw new MediaError('invalid', `video frame type ${String(tag.frameType)}`);
  const ct = Math.trunc(tag.compositionTimeMs ?? 0);
  let packetType: number;
  let ctBytes = 0;
  if (tag.packetType === 'sequence-start') packetType = VideoPacketType.SequenceStart;
  else if (tag.packetType === 'sequence-end') packetType = VideoPacketType.SequenceEnd;
  else if (!WITH_COMPOSITION_TIME.has(tag.fourCc) || ct === 0) packetType = VideoPacketType.CodedFramesX;
  else {
    packetType = VideoPacketType.CodedFrames;
    ctBytes = 3;
  }
  if (ct !== 0 && (tag.packetType !== 'coded-frames' || !WITH_COMPOSITION_TIME.has(tag.fourCc))) {
    throw new MediaError('invalid', `${tag.fourCc} ${tag.packetType} cannot carry a composition time`);
  }
  if (ct < SI24_MIN || ct > SI24_MAX) {
    throw new MediaError('invalid', `composition time ${ct} ms does not fit SI24`);
  }
  // CodedFramesX means "CompositionTime is 0" for avc1/hvc1; for other FourCCs it is the same as
  // CodedFrames (no field), so the short form is written for every coded frame without a CT.
  if (packetType === VideoPacketType.CodedFramesX && !WITH_COMPOSITION_TIME.has(tag.fourCc)) {
    packetType = VideoPacketType.CodedFrames;
  }
  const header = Buffer.alloc(5 + ctBytes);
  header[0] = IS_EX_HEADER | (frameType << 4) | packetType;
  fourCc.copy(header, 1);
  if (ctBytes > 0) header.writeIntBE(ct, 5, 3);
  return header;
}

/** One Enhanced RTMP video message payload (= FLV video tag body). Throws only `MediaError`. */
export function encodeExVideoTag(tag: ExVideoTag): Buffer {
  return Buffer.concat([encodeExVideoTagHeader(tag), tag.body]);
}

/** One Enhanced RTMP v2 audio message payload (= FLV audio tag body). Throws only `MediaError`. */
export function encodeExAudioTag(tag: ExAudioTag): Buffer {
  const fourCc = fourCcBytes(tag.fourCc);
  const packetType =
    tag.packetType === 'sequence-start'
      ? AudioPacketType.SequenceStart
      : tag.packetType === 'sequence-end'
        ? AudioPacketType.SequenceEnd
        : AudioPacketType.CodedFrames;
  const header = Buffer.alloc(5);
  header[0] = AUDIO_EX_HEADER | packetType;
  fourCc.copy(header, 1);
  return Buffer.concat([header, tag.body]);
}
