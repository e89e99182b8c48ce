import { LiveSegmenter, SampleBuilder, type SegmentFormat } from '@tributary/media';
import type { Broadcast, BroadcastListener, BroadcastMessage } from '@tributary/rtmp-core';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import { HlsSessions } from './hls-sessions';

/** FLV TagType (FLV spec §E.4.1): 8 audio, 9 video; 18 (script data) carries nothing the segments need. */
const AUDIO_TYPE_ID = 8;
const VIDEO_TYPE_ID = 9;
/** Video codecs browsers only play from fMP4 (hls.js: HEVC and AV1 need CMAF), and AV1 has no TS mapping. */
const FMP4_ONLY_VIDEO: ReadonlySet<string> = new Set(['hevc', 'av1']);

export interface HlsRenditionOptions {
  format: SegmentFormat;
  targetDurationMs: number;
  windowSize: number;
  /** Part target in ms for LL-HLS, undefined without. */
  partTargetMs: number | undefined;
  sessionWindowMs: number;
}

/** Audio codecs MPEG-TS does not carry here (no Opus mapping in the TS muxer): fMP4 does. */
const FMP4_ONLY_AUDIO: ReadonlySet<string> = new Set(['opus']);

/** The container for a stream: the configured one, unless its video or audio codec needs fMP4. */
export function formatFor(
  configured: SegmentFormat,
  videoCodec: string | undefined,
  audioCodec?: string,
): SegmentFormat {
  if (videoCodec !== undefined && FMP4_ONLY_VIDEO.has(videoCodec)) return 'fmp4';
  return audioCodec !== undefined && FMP4_ONLY_AUDIO.has(audioCodec) ? 'fmp4' : configured;
}

/**
 * One stream's HLS, made once and served from memory to every viewer: a message listener on the
 * stream's broadcast (so it starts from the GOP cache) feeding SampleBuilder → LiveSegmenter. It exists
 * only while someone requests it (HttpPlayback closes it when idle). A publisher leaving ends the
 * playlist (EXT-X-ENDLIST); the next publisher continues it after EXT-X-DISCONTINUITY.
 */
export class HlsRendition implements BroadcastListener {
  readonly segmenter: LiveSegmenter;
  readonly sessions: HlsSessions;
  /** The grant of the publisher it was last fed by: its policy still applies to the ended playlist. */
  grant: PublishGrant;
  lastRequestAt: number;
  private readonly builder = new SampleBuilder();
  private broadcast: Broadcast | undefined;

  constructor(
    /** Names this segmenter run in URIs (playback-routes.ts). */
    readonly epoch: string,
    opts: HlsRenditionOptions,
    grant: PublishGrant,
    now: number,
  ) {
    this.segmenter = new LiveSegmenter({
      format: opts.format,
      targetDurationMs: opts.targetDurationMs,
      windowSize: opts.windowSize,
      ...(opts.partTargetMs !== undefined ? { lowLatency: { partTargetMs: opts.partTargetMs } } : {}),
    });
    this.sessions = new HlsSessions(opts.sessionWindowMs);
    this.grant = grant;
    this.lastRequestAt = now;
  }

  get isLowLatency(): boolean {
    return this.segmenter.partTargetMs !== undefined;
  }

  /**
   * Feeds from `broadcast` (the stream's current one). A different broadcast than before means the stream
   * entry was recreated for a new publisher: that is a restart, as a live(true) on the same one is.
   */
  follow(broadcast: Broadcast, grant: PublishGrant): void {
    this.grant = grant;
    if (this.broadcast === broadcast) return;
    if (this.broadcast) {
      this.broadcast.unlisten(this);
      this.restart();
    }
    this.broadcast = broadcast;
    broadcast.listen(this);
  }

  message(msg: BroadcastMessage): void {
    if (msg.typeId !== AUDIO_TYPE_ID && msg.typeId !== VIDEO_TYPE_ID) return;
    const sample = this.builder.push(
      msg.typeId === AUDIO_TYPE_ID ? 'audio' : 'video',
      msg.timestamp,
      msg.payload,
    );
    if (sample) this.segmenter.push(sample);
  }

  live(isLive: boolean): void {
    if (isLive) this.restart();
    else this.segmenter.end();
  }

  /** Stops listening and frees the segments; pending blocking requests are aborted. */
  close(): void {
    this.broadcast?.unlisten(this);
    this.broadcast = undefined;
    this.segmenter.close();
  }

  private restart(): void {
    this.builder.reset();
    this.segmenter.restart();
  }
}
