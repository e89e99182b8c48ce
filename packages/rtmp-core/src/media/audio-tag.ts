/**
 * FLV/RTMP audio tag headers: legacy (FLV spec 10.1 E.4.2.1 AUDIODATA) and Enhanced
 * RTMP v2 (SoundFormat 9 = ExHeader: AudioPacketType, FourCC, ModEx, Multitrack).
 * Only the header is read; payloads are described by offsets, never copied.
 */
import { PACKET_TYPE_MOD_EX, readModEx, readTrackSpans } from './enhanced-rtmp';
import { MediaError } from './media-error';
import { MediaReader } from './media-reader';

export type AudioCodec =
  | 'pcm'
  | 'adpcm'
  | 'mp3'
  | 'pcm-le'
  | 'nellymoser'
  | 'g711-alaw'
  | 'g711-mulaw'
  | 'aac'
  | 'speex'
  | 'opus'
  | 'flac'
  | 'ac3'
  | 'eac3'
  | 'device-specific'
  | 'unknown';

export type AudioPacketType = 'sequence-header' | 'coded-frames' | 'sequence-end' | 'multichannel-config';

/** E.4.2.1 SoundFormat 9 is reserved by Adobe and is the ExHeader marker in Enhanced RTMP v2. */
const SOUND_FORMAT_EX_HEADER = 9;
const SOUND_FORMAT_AAC = 10;

/**
 * E.4.2.1 SoundFormat with the rate/channels the format fixes regardless of the header
 * bits: Nellymoser 16/8 kHz mono, G.711 8 kHz (ffmpeg and Flash write rate bits 0),
 * Speex "always 16 kHz" mono, MP3 8 kHz.
 */
const LEGACY_FORMATS: Record<number, { codec: AudioCodec; sampleRate?: number; channels?: number }> = {
  0: { codec: 'pcm' },
  1: { codec: 'adpcm' },
  2: { codec: 'mp3' },
  3: { codec: 'pcm-le' },
  4: { codec: 'nellymoser', sampleRate: 16000, channels: 1 },
  5: { codec: 'nellymoser', sampleRate: 8000, channels: 1 },
  6: { codec: 'nellymoser' },
  7: { codec: 'g711-alaw', sampleRate: 8000 },
  8: { codec: 'g711-mulaw', sampleRate: 8000 },
  10: { codec: 'aac' },
  11: { codec: 'speex', sampleRate: 16000, channels: 1 },
  14: { codec: 'mp3', sampleRate: 8000 },
  15: { codec: 'device-specific' },
};

/** E.4.2.1 SoundRate: 5.5, 11, 22 and 44 kHz. */
const SOUND_RATES = [5512, 11025, 22050, 44100] as const;

/** Enhanced RTMP v2 audio FourCCs. */
export const AUDIO_FOURCC: Record<string, AudioCodec> = {
  mp4a: 'aac',
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
  '.mp3': 'mp3',
};

/** Enhanced RTMP v2 AudioPacketType (3 and 6 reserved, 7 ModEx). */
const ExAudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
} as const;

/** v2 AudioChannelOrder values whose payload gives the channel count. */
const MULTICHANNEL_CONFIG_HEADER_BYTES = 2;

export interface AudioTrack {
  trackId: number;
  codec: AudioCodec;
  fourCc?: string;
  /** Where this track's codec data starts in the tag payload. */
  payloadOffset: number;
  payloadLength: number;
  /** From the header when the format fixes it; AAC, Opus and others only know it from their sequence header. */
  sampleRate?: number;
  channels?: number;
}

export interface AudioTagHeader extends AudioTrack {
  enhanced: boolean;
  packetType: AudioPacketType;
  /** AAC AudioSpecificConfig, or the Enhanced RTMP SequenceStart. */
  isSequenceHeader: boolean;
  /** Legacy SoundSize: 8 or 16 bits (meaningful for PCM formats only). */
  sampleSizeBits?: number;
  timestampOffsetNanos?: number;
  tracks: AudioTrack[];
}

/** Parses the header of an RTMP audio message / FLV audio tag body. Throws only `MediaError`. */
export function parseAudioTagHeader(payload: Buffer): AudioTagHeader {
  const r = new MediaReader(payload);
  const first = r.u8('audio tag header');
  return first >> 4 === SOUND_FORMAT_EX_HEADER
    ? parseExHeader(r, first, payload)
    : parseLegacy(r, first, payload.length);
}

function parseLegacy(r: MediaReader, first: number, length: number): AudioTagHeader {
  const formatId = first >> 4;
  const format = LEGACY_FORMATS[formatId];
  if (!format) throw new MediaError('invalid', `SoundFormat ${formatId} is reserved`);
  let packetType: AudioPacketType = 'coded-frames';
  if (formatId === SOUND_FORMAT_AAC) {
    const aacPacketType = r.u8('AACPacketType');
    if (aacPacketType > 1) throw new MediaError('invalid', `AACPacketType ${aacPacketType} is reserved`);
    packetType = aacPacketType === 0 ? 'sequence-header' : 'coded-frames';
  }
  const track: AudioTrack = {
    trackId: 0,
    codec: format.codec,
    payloadOffset: r.offset,
    payloadLength: length - r.offset,
  };
  // AAC's header bits are fixed at 44 kHz stereo by E.4.2.1; its real values are in the AudioSpecificConfig.
  if (formatId !== SOUND_FORMAT_AAC) {
    track.sampleRate = format.sampleRate ?? SOUND_RATES[(first >> 2) & 0x03];
    track.channels = format.channels ?? ((first & 0x01) === 1 ? 2 : 1);
  }
  const header = withTrack(track, false, packetType, [track]);
  header.sampleSizeBits = (first & 0x02) !== 0 ? 16 : 8;
  return header;
}

function parseExHeader(r: MediaReader, first: number, payload: Buffer): AudioTagHeader {
  const modEx = readModEx(r, first & 0x0f);
  let rawType = modEx.packetType;
  let multitrack: { type: number } | undefined;
  let sharedFourCc = '';
  if (rawType === ExAudioPacketType.Multitrack) {
    const b = r.u8('audio multitrack type');
    multitrack = { type: b >> 4 };
    rawType = b & 0x0f;
    if (rawType === ExAudioPacketType.Multitrack || rawType === PACKET_TYPE_MOD_EX) {
      throw new MediaError('invalid', `multitrack audio packet type ${rawType} cannot nest`);
    }
    if (multitrack.type > 2)
      throw new MediaError('invalid', `AvMultitrackType ${multitrack.type} is reserved`);
    if (multitrack.type !== 2) sharedFourCc = r.fourCc('audio FourCC');
  } else {
    sharedFourCc = r.fourCc('audio FourCC');
  }
  const packetType = exPacketType(rawType);
  const tracks = readTrackSpans(r, payload.length, multitrack, sharedFourCc).map((span): AudioTrack => {
    const track: AudioTrack = {
      trackId: span.trackId,
      codec: AUDIO_FOURCC[span.fourCc] ?? 'unknown',
      fourCc: span.fourCc,
      payloadOffset: span.start,
      payloadLength: span.end - span.start,
    };
    // v2 MultichannelConfig: AudioChannelOrder UI8, ChannelCount UI8, then the mapping.
    if (packetType === 'multichannel-config') {
      if (track.payloadLength < MULTICHANNEL_CONFIG_HEADER_BYTES) {
        throw new MediaError('truncated', 'MultichannelConfig needs channel order and count');
      }
      track.channels = payload[span.start + 1];
    }
    return track;
  });
  const main = tracks[0];
  if (!main) throw new MediaError('truncated', 'audio tag has no track');
  const header = withTrack(main, true, packetType, tracks);
  if (modEx.timestampOffsetNanos !== undefined) header.timestampOffsetNanos = modEx.timestampOffsetNanos;
  return header;
}

/** The header fields, with the main track's copied one by one (an object spread is slow here, see video-tag.ts). */
function withTrack(
  main: AudioTrack,
  enhanced: boolean,
  packetType: AudioPacketType,
  tracks: AudioTrack[],
): AudioTagHeader {
  const header: AudioTagHeader = {
    trackId: main.trackId,
    codec: main.codec,
    payloadOffset: main.payloadOffset,
    payloadLength: main.payloadLength,
    enhanced,
    packetType,
    isSequenceHeader: packetType === 'sequence-header',
    tracks,
  };
  if (main.fourCc !== undefined) header.fourCc = main.fourCc;
  if (main.sampleRate !== undefined) header.sampleRate = main.sampleRate;
  if (main.channels !== undefined) header.channels = main.channels;
  return header;
}

function exPacketType(raw: number): AudioPacketType {
  switch (raw) {
    case ExAudioPacketType.SequenceStart:
      return 'sequence-header';
    case ExAudioPacketType.CodedFrames:
      return 'coded-frames';
    case ExAudioPacketType.SequenceEnd:
      return 'sequence-end';
    case ExAudioPacketType.MultichannelConfig:
      return 'multichannel-config';
    default:
      throw new MediaError('invalid', `AudioPacketType ${raw} is reserved`);
  }
}
