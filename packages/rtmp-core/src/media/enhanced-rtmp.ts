/**
 * Parts of the Enhanced RTMP extended tag headers (Veovera, "Enhanced RTMP" v1 and v2)
 * that audio and video share: the ModEx prefix and the multitrack track list.
 */
import type { MediaReader } from './media-reader';

/** v2 AvMultitrackType. */
export const AvMultitrackType = {
  OneTrack: 0,
  ManyTracks: 1,
  ManyTracksManyCodecs: 2,
} as const;

/** v2 ModEx: a packet type that prefixes modifier data, then names the real packet type. */
export const PACKET_TYPE_MOD_EX = 7;
/** v2 VideoPacketModExType / AudioPacketModExType.TimestampOffsetNano. */
const MOD_EX_TIMESTAMP_OFFSET_NANO = 0;
/** v2: a ModEx data size byte of 255 (size 256) means a UI16 size follows. */
const MOD_EX_LONG_SIZE = 256;

/**
 * Consumes ModEx prefixes while `packetType` is ModEx (v2 "ExVideoTagHeader"/"ExAudioTagHeader")
 * and returns the real packet type plus the nanosecond timestamp offset, if one was sent.
 */
export function readModEx(
  r: MediaReader,
  packetType: number,
): { packetType: number; timestampOffsetNanos?: number } {
  let type = packetType;
  let timestampOffsetNanos: number | undefined;
  while (type === PACKET_TYPE_MOD_EX) {
    let size = r.u8('ModEx data size') + 1;
    if (size === MOD_EX_LONG_SIZE) size = r.u16('ModEx data size (UI16)') + 1;
    const data = r.slice(size, 'ModEx data');
    const next = r.u8('ModEx type and packet type');
    type = next & 0x0f;
    if (next >> 4 === MOD_EX_TIMESTAMP_OFFSET_NANO && data.length >= 3)
      timestampOffsetNanos = data.readUIntBE(0, 3);
  }
  return timestampOffsetNanos === undefined
    ? { packetType: type }
    : { packetType: type, timestampOffsetNanos };
}

/** One track's place in a tag body: which codec, which id, where its bytes are. */
export interface TrackSpan {
  trackId: number;
  fourCc: string;
  /** Offset of the track's data (after the per-track header) in the tag payload. */
  start: number;
  /** Offset just past the track's data. */
  end: number;
}

/**
 * Splits a tag body into tracks. Single-track tags are one span with trackId 0.
 * v2 multitrack: ManyTracksManyCodecs repeats the FourCC per track; every multitrack
 * form has a UI8 trackId; all but OneTrack give each track a UI24 size.
 */
export function readTrackSpans(
  r: MediaReader,
  end: number,
  multitrack: { type: number } | undefined,
  sharedFourCc: string,
): TrackSpan[] {
  if (!multitrack) return [{ trackId: 0, fourCc: sharedFourCc, start: r.offset, end }];
  const spans: TrackSpan[] = [];
  do {
    const fourCc =
      multitrack.type === AvMultitrackType.ManyTracksManyCodecs ? r.fourCc('track FourCC') : sharedFourCc;
    const trackId = r.u8('track id');
    if (multitrack.type === AvMultitrackType.OneTrack) {
      spans.push({ trackId, fourCc, start: r.offset, end });
      break;
    }
    const size = r.u24('track size');
    const start = r.offset;
    r.skip(size, 'track data');
    spans.push({ trackId, fourCc, start, end: start + size });
  } while (r.remaining > 0);
  return spans;
}
