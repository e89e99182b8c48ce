import {
  enhancedFourCcOf,
  type FourCcSupport,
  mayStartCodec,
  StatusCode,
  supportsFourCc,
} from '@tributary/rtmp-core';
import type { EdgeMetrics } from '../http/edge-metrics';
import { isHttpViewer, type PublisherSlot, type StreamEntry, type StreamRegistry } from './stream-registry';
import { audioInfoOf, videoCodecOf } from './track-info';

/** FLV TagType / RTMP message type ids (FLV spec §E.4.1). */
const AUDIO_TYPE_ID = 8;
const VIDEO_TYPE_ID = 9;
/** Enhanced RTMP: video ExHeader bit; audio SoundFormat 9. */
const VIDEO_EX_HEADER_BIT = 0x80;
const AUDIO_EX_HEADER_FORMAT = 9;
/** What a player sees in the refusal for the FourCCs people publish. */
const CODEC_NAMES: Record<string, string> = {
  hvc1: 'HEVC',
  av01: 'AV1',
  vp09: 'VP9',
  vp08: 'VP8',
  avc1: 'H.264 in Enhanced RTMP tags',
  Opus: 'Opus',
  fLaC: 'FLAC',
  'ac-3': 'AC-3',
  'ec-3': 'E-AC-3',
  mp4a: 'AAC in Enhanced RTMP tags',
  '.mp3': 'MP3 in Enhanced RTMP tags',
};
export const CODEC_REFUSAL_RESULT = 'codec_not_announced';

/**
 * The Enhanced RTMP FourCCs a live stream is sending now, per kind (undefined: legacy FLV tags, which
 * every player reads). One per publisher session, fed every media message before it reaches the
 * broadcast; only the first byte is read unless the tag is an Ex tag whose FourCC is unknown yet or one
 * that may start a codec (SequenceStart, ModEx, multitrack SequenceStart), so the cost per frame is a branch
 * (for ModEx frames, a header parse).
 */
export class CodecGate {
  video: string | undefined;
  audio: string | undefined;

  /** True when the stream now needs a FourCC it did not need before (viewers must be checked again). */
  observe(typeId: number, payload: Buffer): boolean {
    const first = payload[0];
    if (first === undefined) return false;
    let ex: boolean;
    if (typeId === VIDEO_TYPE_ID) ex = (first & VIDEO_EX_HEADER_BIT) !== 0;
    else if (typeId === AUDIO_TYPE_ID) ex = first >> 4 === AUDIO_EX_HEADER_FORMAT;
    else return false;
    const kind = typeId === VIDEO_TYPE_ID ? 'video' : 'audio';
    const current = this[kind];
    if (!ex) {
      // Back to legacy tags (a publisher that switched to H.264/AAC): every player can take them.
      this[kind] = undefined;
      return false;
    }
    if (current !== undefined && !mayStartCodec(typeId, payload)) return false;
    const fourCc = enhancedFourCcOf(typeId, payload) ?? '*';
    if (fourCc === current) return false;
    this[kind] = fourCc;
    return true;
  }

  /** Why a player that announced `support` (undefined: nothing) cannot take this stream now, if it cannot. */
  refusal(support: FourCcSupport | undefined): string | undefined {
    for (const kind of ['video', 'audio'] as const) {
      const fourCc = this[kind];
      if (fourCc === undefined || (support && supportsFourCc(support, kind, fourCc))) continue;
      const field = kind === 'video' ? 'videoFourCcInfoMap' : 'audioFourCcInfoMap';
      if (fourCc === '*') {
        return `This stream sends Enhanced RTMP ${kind} tags with several or unnamed codecs (multitrack or ModEx); your client did not announce "*" in fourCcList or ${field}.`;
      }
      const name = CODEC_NAMES[fourCc] ?? `FourCC ${fourCc}`;
      return `This stream is ${name} (Enhanced RTMP FourCC ${fourCc}); your client did not announce ${fourCc} in fourCcList or ${field} of its connect command.`;
    }
    return undefined;
  }
}

/**
 * Cuts the RTMP viewers of `entry` that cannot take its codecs now, before the tag that changed them
 * reaches the broadcast: each gets onStatus NetStream.Play.Failed naming the codec and what to announce,
 * then its connection closes. HTTP viewers get the codec in their own container (HLS fMP4, HTTP-FLV Ex
 * tags); other edges' pulls (relay) forward whatever comes.
 */
export function refuseUnsupportedViewers(
  entry: StreamEntry,
  gate: CodecGate,
  registry: StreamRegistry,
  /** Counts each refusal (tributary_edge_play_authorizations_total{result="codec_not_announced"}); relays pass none. */
  metrics?: Pick<EdgeMetrics, 'playAuth'>,
): void {
  for (const [sink, viewer] of [...entry.viewers]) {
    if (isHttpViewer(sink) || viewer.relay) continue;
    const description = gate.refusal(viewer.fourCcs);
    if (description === undefined) continue;
    metrics?.playAuth.inc({ result: CODEC_REFUSAL_RESULT });
    registry.removeViewer(entry, sink);
    sink.sendStatus({ level: 'error', code: StatusCode.PlayFailed, description });
    sink.close(CODEC_REFUSAL_RESULT);
  }
}

/**
 * The media path's one call, before each message reaches the broadcast: when the session starts sending a
 * new Enhanced RTMP codec, its track info follows (session stats, the HLS container) and the RTMP viewers
 * that cannot take it are cut (refuseUnsupportedViewers).
 */
export function gateMedia(
  slot: PublisherSlot,
  entry: StreamEntry,
  msg: { typeId: number; payload: Buffer },
  registry: StreamRegistry,
  metrics?: Pick<EdgeMetrics, 'playAuth'>,
): void {
  const codecs = slot.codecs ?? new CodecGate();
  slot.codecs = codecs;
  if (!codecs.observe(msg.typeId, msg.payload)) return;
  if (msg.typeId === VIDEO_TYPE_ID) {
    const codec = videoCodecOf(msg.payload);
    if (codec !== null && codec !== slot.video?.codec)
      slot.video = { codec, width: null, height: null, frameRate: null };
  } else {
    const audio = audioInfoOf(msg.payload);
    if (audio !== null && audio.codec !== slot.audio?.codec) slot.audio = audio;
  }
  refuseUnsupportedViewers(entry, codecs, registry, metrics);
}
