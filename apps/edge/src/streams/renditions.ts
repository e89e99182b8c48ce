import { type Rendition, renditionStreamName, splitRenditionName } from '@tributary/contracts';
import type { PublishGrant } from '../control-plane/publish-authorizer';

/**
 * Dynamic streaming at the edge (issue 13; contracts renditions.ts). With an 'encoder' ladder each
 * rendition is published to `<stream key>_<rendition>` and is its own broadcast in the registry, named
 * `<playbackId>_<rendition>`: RTMP, HTTP-FLV and HLS viewers play that name with the stream's token,
 * and play2 switches between such names. Pure: no I/O.
 */

/** The registry name a publication lives under: the playback id, or `<playbackId>_<rendition>`. */
export function streamNameOf(grant: PublishGrant): string {
  return grant.rendition === undefined
    ? grant.playbackId
    : renditionStreamName(grant.playbackId, grant.rendition);
}

/** The ladder a grant declares for either source (encoder or transcode), in the tenant's order. */
export function ladderOf(grant: PublishGrant): readonly Rendition[] {
  return grant.renditionSource === 'encoder' || grant.renditionSource === 'transcode'
    ? (grant.renditions ?? [])
    : [];
}

/** The ladder a grant declares, in the tenant's order; empty without an encoder ladder. */
export function encoderLadderOf(grant: PublishGrant): readonly Rendition[] {
  return grant.renditionSource === 'encoder' ? (grant.renditions ?? []) : [];
}

/**
 * The publication that speaks for the stream to the api (its session, its recording): the plain
 * publication, or the ladder's first rendition. The api keeps one current session per stream, so the
 * other renditions report none (their bytes are not billed: see the edge README).
 */
export function isLeadPublication(grant: PublishGrant): boolean {
  if (grant.rendition === undefined) return true;
  return encoderLadderOf(grant)[0]?.name === grant.rendition;
}

/**
 * The playback ids whose token may play `name`: the name itself, and for `<id>_<rendition>` also `<id>`
 * (one playback token authorises every rendition of its stream). When the publisher is live its grant
 * says which stream the name belongs to, and only that one counts.
 */
export function tokenSubjectsFor(name: string, grant: PublishGrant | undefined): readonly string[] {
  if (grant) return [grant.playbackId];
  const split = splitRenditionName(name);
  return split ? [name, split.base] : [name];
}

/**
 * The rendition an automatic down-switch moves a lagging viewer to: among those live here, the one with
 * the highest total bitrate below `current`'s; undefined at the bottom of the ladder.
 */
export function lowerRendition(
  ladder: readonly Rendition[],
  current: string,
  live: ReadonlySet<string>,
): string | undefined {
  const total = (r: Rendition) => r.videoBitrateKbps + r.audioBitrateKbps;
  const from = ladder.find((r) => r.name === current);
  if (!from) return undefined;
  let best: Rendition | undefined;
  for (const r of ladder) {
    if (r.name === current || !live.has(r.name) || total(r) >= total(from)) continue;
    if (!best || total(r) > total(best)) best = r;
  }
  return best?.name;
}

/** RFC 6381 codec ids of the live tracks, from their sequence headers (HLS CODECS, SMIL params). */
export interface CodecIds {
  video?: string;
  audio?: string;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

/**
 * `avc1.PPCCLL` from an FLV AVC sequence header (CodecID 7, AVCPacketType 0): profile, compatibility
 * and level, bytes 1–3 of the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) that starts
 * after the 5-byte tag header. Undefined for anything else (hostile bytes included).
 */
export function videoCodecIdOf(payload: Buffer): string | undefined {
  if (payload.length < 9) return undefined;
  const first = payload[0]!;
  if (first & 0x80 || (first & 0x0f) !== 7 || payload[1] !== 0 || payload[5] !== 1) return undefined;
  return `avc1.${hex2(payload[6]!)}${hex2(payload[7]!)}${hex2(payload[8]!)}`;
}

/**
 * `mp4a.40.<audio object type>` from an FLV AAC sequence header (SoundFormat 10, AACPacketType 0):
 * the first 5 bits of the AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1). Undefined otherwise.
 */
export function audioCodecIdOf(payload: Buffer): string | undefined {
  if (payload.length < 3) return undefined;
  if (payload[0]! >> 4 !== 10 || payload[1] !== 0) return undefined;
  const aot = payload[2]! >> 3;
  if (aot === 0 || aot === 31) return undefined;
  return `mp4a.40.${aot}`;
}
