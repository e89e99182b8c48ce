/**
 * Which Enhanced RTMP codecs a peer announced in its connect command object ("Enhancing NetConnection
 * connect Command", Enhanced RTMP v1 and v2):
 * - v1 `fourCcList`: strict array of FourCC strings (video; v2 lets audio FourCCs share it), `"*"` = any;
 * - v2 `videoFourCcInfoMap` / `audioFourCcInfoMap`: object FourCC → FourCcInfoMask (CanDecode 0x01,
 *   CanEncode 0x02, CanForward 0x04), key `"*"` = any codec.
 * A player can take a stream it can decode or forward (a relay). A peer that announced nothing is a
 * legacy client: it can take only legacy (non-Ex) tags. The command object is the peer's: every field is
 * checked for type and the lists are bounded.
 */
import type { AmfObject, AmfValue } from '../amf';
import { AmfEcmaArray } from '../amf';
import { parseAudioTagHeader } from './audio-tag';
import { PACKET_TYPE_MOD_EX } from './enhanced-rtmp';
import { MediaError } from './media-error';
import { parseVideoTagHeader } from './video-tag';

/** v2 FourCcInfoMask. */
export const FourCcInfoMask = { CanDecode: 0x01, CanEncode: 0x02, CanForward: 0x04 } as const;
/** Announced entries looked at per list: a real client names a handful of codecs. */
export const MAX_ANNOUNCED_FOURCCS = 64;
const ANY = '*';

export interface FourCcSupport {
  /** FourCCs the peer can play (decode or forward), per kind; '*' means any. */
  readonly video: ReadonlySet<string>;
  readonly audio: ReadonlySet<string>;
  /** The peer announced any Enhanced RTMP codec list at all. */
  readonly enhanced: boolean;
}

function fourCcsOfList(value: AmfValue | undefined, into: Set<string>): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value.slice(0, MAX_ANNOUNCED_FOURCCS)) {
    if (typeof item === 'string' && (item.length === 4 || item === ANY)) into.add(item);
  }
  return true;
}

function fourCcsOfMap(value: AmfValue | undefined, into: Set<string>): boolean {
  const props = value instanceof AmfEcmaArray ? value.properties : isPlainObject(value) ? value : undefined;
  if (!props) return false;
  for (const key of Object.keys(props).slice(0, MAX_ANNOUNCED_FOURCCS)) {
    const mask = props[key];
    if (key.length !== 4 && key !== ANY) continue;
    if (typeof mask === 'number' && (mask & (FourCcInfoMask.CanDecode | FourCcInfoMask.CanForward)) !== 0)
      into.add(key);
  }
  return true;
}

function isPlainObject(value: AmfValue | undefined): value is AmfObject {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** What the connect command object `command` announced. Never throws. */
export function fourCcSupportOf(command: AmfObject | null | undefined): FourCcSupport {
  const video = new Set<string>();
  const audio = new Set<string>();
  if (!command) return { video, audio, enhanced: false };
  const shared = new Set<string>();
  const list = fourCcsOfList(command.fourCcList, shared);
  for (const f of shared) {
    video.add(f);
    audio.add(f);
  }
  const videoMap = fourCcsOfMap(command.videoFourCcInfoMap, video);
  const audioMap = fourCcsOfMap(command.audioFourCcInfoMap, audio);
  return { video, audio, enhanced: list || videoMap || audioMap };
}

export function supportsFourCc(support: FourCcSupport, kind: 'audio' | 'video', fourCc: string): boolean {
  const set = kind === 'video' ? support.video : support.audio;
  return set.has(ANY) || set.has(fourCc);
}

/** FLV TagType / RTMP message type ids (FLV spec §E.4.1). */
const AUDIO_TYPE_ID = 8;
const VIDEO_TYPE_ID = 9;
/** Enhanced RTMP v2 audio ExHeader: SoundFormat 9. */
const SOUND_FORMAT_EX_HEADER = 9;

/**
 * The FourCC of an Enhanced RTMP audio or video message (ExHeader, single track or the first track's
 * shared FourCC), or undefined for a legacy tag. A legacy player cannot parse an Ex tag whatever its codec.
 * Multitrack tags (video packet type 6, audio 5) with one shared FourCC name it after the multitrack byte;
 * ManyTracksManyCodecs gives '*' (several codecs). Reads at most 6 bytes; never throws.
 */
export function enhancedFourCcOf(typeId: number, payload: Uint8Array): string | undefined {
  const first = payload[0];
  if (first === undefined) return undefined;
  let packetType: number;
  if (typeId === VIDEO_TYPE_ID) {
    if ((first & 0x80) === 0) return undefined;
    packetType = first & 0x0f;
    if (packetType === 6) return multitrackFourCc(payload);
  } else if (typeId === AUDIO_TYPE_ID) {
    if (first >> 4 !== SOUND_FORMAT_EX_HEADER) return undefined;
    packetType = first & 0x0f;
    if (packetType === 5) return multitrackFourCc(payload);
  } else {
    return undefined;
  }
  // ModEx (7) prefixes variable data before the real packet type and FourCC: the full header parser walks
  // it (bounded by the payload); a tag it refuses names no codec.
  if (packetType === PACKET_TYPE_MOD_EX) return modExFourCc(typeId, payload);
  return payload.length >= 5
    ? Buffer.from(payload.buffer, payload.byteOffset + 1, 4).toString('latin1')
    : ANY;
}

function modExFourCc(typeId: number, payload: Uint8Array): string {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  try {
    const header = typeId === VIDEO_TYPE_ID ? parseVideoTagHeader(buf) : parseAudioTagHeader(buf);
    const fourCcs = new Set(header.tracks.map((t) => t.fourCc));
    const [only] = fourCcs;
    return fourCcs.size === 1 && only !== undefined ? only : ANY;
  } catch (err) {
    if (err instanceof MediaError) return ANY;
    throw err;
  }
}

/**
 * True when an Ex tag may start a new codec (SequenceStart, or a ModEx or multitrack wrapper whose inner
 * packet is not read here); a codec gate looks at the FourCC of these only.
 */
export function mayStartCodec(typeId: number, payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const packetType = first & 0x0f;
  const multitrack = typeId === VIDEO_TYPE_ID ? 6 : 5;
  if (packetType === 0 || packetType === PACKET_TYPE_MOD_EX) return true;
  return packetType === multitrack && ((payload[1] ?? 0) & 0x0f) === 0;
}

function multitrackFourCc(payload: Uint8Array): string {
  const b = payload[1];
  if (b === undefined || b >> 4 === 2 || payload.length < 6) return ANY;
  return Buffer.from(payload.buffer, payload.byteOffset + 2, 4).toString('latin1');
}
