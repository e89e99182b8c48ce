import type { AmfObject, AmfValue } from '@tributary/rtmp-core';

/**
 * onMetaData fields players use, as FFmpeg, OBS, FMLE and Wirecast write them (FLV spec v10.1 §E.5,
 * plus the spellings encoders really use). Numbers must be finite.
 */
const NUMBER_FIELDS = [
  'duration',
  'width',
  'height',
  'framerate',
  'videoframerate',
  'videodatarate',
  'audiodatarate',
  'audiosamplerate',
  'audiosamplesize',
  'audiochannels',
  'filesize',
  'fileSize',
  'videokeyframe_frequency',
] as const;
const BOOLEAN_FIELDS = ['stereo', 'hasAudio', 'hasVideo', 'hasKeyframes', 'canSeekToEnd'] as const;
/** Short text fields; anything longer than MAX_STRING_BYTES is left out. */
const STRING_FIELDS = ['encoder', 'title', 'author', 'copyright', 'description', 'creationdate'] as const;
/** CodecIDs are numbers (FLV) or FourCC numbers/strings (Enhanced RTMP: 'avc1', 'hvc1', 'av01', 'Opus'). */
const CODEC_FIELDS = ['videocodecid', 'audiocodecid'] as const;
export const MAX_STRING_BYTES = 256;
/** A FourCC written as a string: 4 bytes (allowing a little slack for odd encoders). */
const MAX_CODEC_STRING_BYTES = 16;

function isFiniteNumber(v: AmfValue): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isShortString(v: AmfValue, maxBytes: number): v is string {
  return typeof v === 'string' && Buffer.byteLength(v) <= maxBytes;
}

/**
 * The metadata players get: rebuilt from a whitelist of scalar fields of what the publisher sent, plus
 * the edge's own fields (which win). Publisher metadata is untrusted AMF: its object graph may share
 * values through references so that walking or re-encoding it as a tree costs exponential time (a
 * 260 KB onMetaData stood for 2^32 objects). Only top-level scalars are ever read here, so the cost is
 * the number of whitelisted names, whatever the publisher sent.
 */
export function playerMetadata(meta: AmfObject, own: AmfObject = {}): AmfObject {
  const out: AmfObject = {};
  const has = (k: string) => Object.hasOwn(meta, k);
  for (const k of NUMBER_FIELDS) if (has(k) && isFiniteNumber(meta[k])) out[k] = meta[k];
  for (const k of BOOLEAN_FIELDS) if (has(k) && typeof meta[k] === 'boolean') out[k] = meta[k];
  for (const k of STRING_FIELDS) if (has(k) && isShortString(meta[k], MAX_STRING_BYTES)) out[k] = meta[k];
  for (const k of CODEC_FIELDS) {
    const v = has(k) ? meta[k] : undefined;
    if (isFiniteNumber(v) || isShortString(v, MAX_CODEC_STRING_BYTES)) out[k] = v;
  }
  return { ...out, ...own };
}
