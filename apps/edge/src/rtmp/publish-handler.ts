import {
  type AmfObject,
  type HookDecision,
  type MediaMessage,
  type PublishRequest,
  type RtmpServerStream,
  StatusCode,
} from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { PublishIdentity } from '../auth/adobe-authenticator';
import type { Authorizer } from '../auth/authorizer';
import { normalizeIp } from '../auth/client-ip';
import type { ApiClient } from '../control-plane/api-client';
import { SessionReporter } from '../control-plane/session-reporter';
import type { EdgeMetrics } from '../http/edge-metrics';
import type { Recording, Recordings } from '../recording/flv-recorder';
import type { RecordingUploader } from '../recording/recording-uploader';
import { gateMedia } from '../streams/codec-gate';
import { isVideoKeyframe, KeyframeAlignment } from '../streams/keyframe-alignment';
import { playerMetadata } from '../streams/player-metadata';
import {
  audioCodecIdOf,
  encoderLadderOf,
  isLeadPublication,
  ladderOf,
  videoCodecIdOf,
} from '../streams/renditions';
import { type PublisherSlot, type StreamEntry, type StreamRegistry } from '../streams/stream-registry';
import { audioInfoOf, videoCodecOf, withMetadata } from '../streams/track-info';
import { admitWaitingViewers } from '../streams/waiting-viewers';

/** FLV TagType (FLV spec §E.4.1): 8 audio, 9 video. */
const VIDEO_TYPE_ID = 9;

export interface PublishHandlerOptions {
  authorizer: Authorizer;
  /** Edge-wide viewer cap per stream; the grant's maxViewers applies on top. */
  maxViewersPerStream: number;
  registry: StreamRegistry;
  api: Pick<ApiClient, 'startSession' | 'reportStats' | 'endSession'>;
  metrics: EdgeMetrics;
  statsIntervalMs: number;
  logger: Logger;
  /** Recording of sessions whose stream has `record` on (recording/); absent: nothing is recorded. */
  recording?: { recordings: Recordings; uploader: RecordingUploader };
  /** `transcode` ladders: the source's start and end (transcode/transcoder.ts), when this edge transcodes. */
  transcoder?: {
    start(entry: StreamEntry, grant: PublisherSlot['grant']): void;
    stop(playbackId: string, reason: string): void;
  };
  /** Who a connection signed in as (authmod=adobe), if it did. */
  identityOf?: (connection: object) => PublishIdentity | undefined;
  now?: () => number;
}

interface Publication {
  entry: StreamEntry;
  slot: PublisherSlot;
  reporter?: SessionReporter;
  /** This session's recording, when its stream records. */
  recording?: Recording;
  /** An encoder ladder's rendition: it takes part in its stream's keyframe alignment check. */
  aligned?: boolean;
  ended: boolean;
  /** Removes every listener this publication added to its stream and connection (run once, at the end). */
  detach: () => void;
}

/**
 * Ingest: rtmp://<edge>/<app>/<streamKey>. onPublish authorises the key (no media is accepted
 * before), claims the stream (one publisher per live stream), and the 'publish' event then wires
 * the publisher into its broadcast and reports the session to the api. rtmp-core answers
 * releaseStream/FCPublish itself, so FMLE-style and plain publishers take the same path.
 */
export class PublishHandler {
  private readonly publications = new Map<RtmpServerStream, Publication>();
  /** Encoder ladders publishing here: their keyframe alignment check and how many renditions it follows. */
  private readonly alignments = new Map<string, { check: KeyframeAlignment; renditions: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: PublishHandlerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get sessionCount(): number {
    return this.publications.size;
  }

  /** The onPublish hook. */
  async authorize(stream: RtmpServerStream, req: PublishRequest): Promise<HookDecision> {
    const conn = stream.connection;
    const verdict = await this.opts.authorizer.authorizePublish(
      req.name,
      conn.remoteAddress,
      this.opts.identityOf?.(conn),
    );
    if (!verdict.allow) {
      this.opts.metrics.publishAuth.inc({ result: verdict.result });
      conn.logger.info({ result: verdict.result }, 'publish refused');
      return { allow: false, code: verdict.code, description: verdict.description };
    }
    // The client may have gone while the api answered; its close event has then fired already.
    if (conn.isClosed) return { allow: false };
    const { grant, keyDigest } = verdict.value;
    const slot: PublisherSlot = {
      connId: conn.id,
      keyDigest,
      grant,
      startedAt: this.now(),
      lastMediaAt: this.now(),
      video: null,
      audio: null,
      bytesOutAtStart: 0,
      httpBytesOut: 0,
      viewerMsClosed: 0,
      // End first, so the session keeps this reason rather than the 'unpublish' the close causes.
      close: (reason) => {
        void this.end(stream, reason);
        conn.close(reason);
      },
    };
    const claim = this.opts.registry.claimPublisher(slot);
    if (!claim.ok) {
      this.opts.metrics.publishAuth.inc({ result: claim.reason });
      conn.logger.info({ result: claim.reason, playbackId: grant.playbackId }, 'publish refused');
      return {
        allow: false,
        code: StatusCode.PublishBadName,
        description: 'This stream is already being published; stop the other encoder first.',
      };
    }
    this.opts.metrics.publishAuth.inc({ result: 'allowed' });
    if (claim.replaced)
      conn.logger.info({ replacedConnId: claim.replaced.connId }, 'publisher took over a silent publisher');
    slot.bytesOutAtStart = claim.entry.broadcast.stats.bytesOut;
    const onClose = () => void this.end(stream, 'connection_closed');
    const publication: Publication = {
      entry: claim.entry,
      slot,
      ended: false,
      detach: () => conn.off('close', onClose),
    };
    this.publications.set(stream, publication);
    conn.once('close', onClose);
    return { allow: true };
  }

  /** The server's 'publish' event: NetStream.Publish.Start has been sent. */
  started(stream: RtmpServerStream): void {
    const publication = this.publications.get(stream);
    if (!publication) return;
    const { entry, slot } = publication;
    const conn = stream.connection;
    const log = conn.logger as unknown as Logger;
    const title = slot.grant.eventTitle;
    admitWaitingViewers(entry, this.opts);
    entry.broadcast.start();
    if (title !== null) entry.broadcast.setMetadata({ title });

    const own: AmfObject = title === null ? {} : { title };
    // One session and one recording per stream: a ladder's other renditions have neither (renditions.ts).
    const lead = isLeadPublication(slot.grant);
    const recording =
      slot.grant.record && lead
        ? this.opts.recording?.recordings.open({
            tenantId: slot.grant.tenantId,
            liveStreamId: slot.grant.liveStreamId,
            playbackId: slot.grant.playbackId,
          })
        : undefined;
    publication.recording = recording;
    const codecIds: NonNullable<PublisherSlot['codecIds']> = {};
    slot.codecIds = codecIds;
    const alignment = this.alignmentFor(slot.grant);
    publication.aligned = alignment !== undefined;
    let misaligned = 0;
    const onMedia = (msg: MediaMessage) => {
      slot.lastMediaAt = this.now();
      if (msg.typeId === VIDEO_TYPE_ID) {
        slot.video ??= trackOf(videoCodecOf(msg.payload));
        codecIds.video = videoCodecIdOf(msg.payload) ?? codecIds.video;
        if (alignment && slot.grant.rendition !== undefined && isVideoKeyframe(msg.payload)) {
          for (const m of alignment.keyframe(slot.grant.rendition, msg.timestamp)) {
            this.opts.metrics.renditionKeyframesMisaligned.inc();
            // The first, then one in 30: an encoder with another GOP does this every keyframe.
            if (misaligned++ % 30 === 0)
              log.warn(
                {
                  rendition: m.rendition,
                  timestamp: m.timestamp,
                  offsetMs: m.offsetMs,
                  reference: alignment.referenceName,
                },
                'rendition keyframes not aligned with the ladder: players switch at its own keyframes, later',
              );
          }
        }
      } else {
        slot.audio ??= audioInfoOf(msg.payload);
        codecIds.audio = audioCodecIdOf(msg.payload) ?? codecIds.audio;
      }
      // Before the broadcast: a viewer that cannot take a new Enhanced RTMP codec never gets its tags.
      gateMedia(slot, entry, msg, this.opts.registry, this.opts.metrics);
      entry.broadcast.pushMedia(msg);
      recording?.write(msg);
    };
    // Never the publisher's object as is: players get whitelisted scalars (see playerMetadata).
    const onMetadata = (meta: AmfObject, timestamp: number) => {
      const safe = playerMetadata(meta, own);
      Object.assign(slot, withMetadata(slot.video, slot.audio, safe));
      entry.broadcast.setMetadata(safe, timestamp);
    };
    const onUnpublish = () => void this.end(stream, 'unpublished');
    stream.on('media', onMedia);
    stream.on('metadata', onMetadata);
    stream.once('unpublish', onUnpublish);
    // One publish/unpublish cycle adds these once and removes them at its end: a connection that
    // publishes again on the same stream must not feed the broadcast once per earlier publish.
    const detachClose = publication.detach;
    publication.detach = () => {
      detachClose();
      stream.off('media', onMedia);
      stream.off('metadata', onMetadata);
      stream.off('unpublish', onUnpublish);
    };

    const renditions =
      ladderOf(slot.grant).length > 0 ? this.renditionRates(slot.grant.playbackId) : undefined;
    if (lead)
      publication.reporter = new SessionReporter({
        api: this.opts.api,
        start: {
          liveStreamId: slot.grant.liveStreamId,
          clientIp: normalizeIp(conn.remoteAddress),
          video: null,
          audio: null,
        },
        read: () => ({
          viewers: entry.viewers.size,
          bytesIn: conn.stats.bytesIn,
          bytesOut: entry.broadcast.stats.bytesOut - slot.bytesOutAtStart + slot.httpBytesOut,
          viewerSeconds: entry.viewerSeconds(this.now()),
          video: slot.video,
          audio: slot.audio,
          ...(renditions ? { renditions: renditions() } : {}),
        }),
        intervalMs: this.opts.statsIntervalMs,
        logger: log.child({ tenantId: slot.grant.tenantId, liveStreamId: slot.grant.liveStreamId }),
        now: this.now,
      });
    void publication.reporter?.begin();
    this.opts.transcoder?.start(entry, slot.grant);
    log.info(
      { tenantId: slot.grant.tenantId, liveStreamId: slot.grant.liveStreamId, playbackId: entry.playbackId },
      'publishing',
    );
  }

  /** Ends a publication once: frees the stream, tells viewers (UnpublishNotify), reports the end. */
  async end(stream: RtmpServerStream, reason: string): Promise<void> {
    const publication = this.publications.get(stream);
    if (!publication || publication.ended) return;
    publication.ended = true;
    publication.detach();
    // At once, not after the api answered: the same stream may publish again meanwhile, and its new
    // publication must not be forgotten when this end report completes (a phantom publisher).
    this.publications.delete(stream);
    this.opts.registry.releasePublisher(publication.entry, publication.slot);
    if (publication.aligned) this.releaseAlignment(publication.slot.grant);
    if (publication.slot.grant.rendition === undefined)
      this.opts.transcoder?.stop(publication.slot.grant.playbackId, reason);
    this.opts.metrics.sessionsEnded.inc({ reason });
    await publication.reporter?.end(reason);
    const recording = publication.recording;
    if (recording && this.opts.recording) {
      await recording.close(publication.reporter?.id);
      this.opts.recording.uploader.submit(recording);
    }
  }

  /**
   * The stream's ladder renditions live here, each with its bitrate since the last call (from its
   * broadcast's bytes in) and its viewers: what the lead publication reports with its session's stats.
   */
  private renditionRates(playbackId: string): () => { name: string; bitrateKbps: number; viewers: number }[] {
    const last = new Map<string, { bytes: number; at: number }>();
    return () => {
      const at = this.now();
      return this.opts.registry.liveRenditionsOf(playbackId).map(({ name, entry }) => {
        const bytes = entry.broadcast.stats.bytesIn;
        const prev = last.get(name);
        last.set(name, { bytes, at });
        // bytes × 8 per millisecond is kbit/s
        const kbps = prev && at > prev.at ? ((bytes - prev.bytes) * 8) / (at - prev.at) : 0;
        return { name, bitrateKbps: Math.max(0, Math.round(kbps)), viewers: entry.viewers.size };
      });
    };
  }

  /** The alignment check of an encoder ladder's rendition (shared by the stream's renditions here). */
  private alignmentFor(grant: PublisherSlot['grant']): KeyframeAlignment | undefined {
    const reference = encoderLadderOf(grant)[0]?.name;
    if (grant.rendition === undefined || reference === undefined) return undefined;
    let a = this.alignments.get(grant.playbackId);
    if (!a) {
      a = { check: new KeyframeAlignment(reference), renditions: 0 };
      this.alignments.set(grant.playbackId, a);
    }
    a.renditions += 1;
    return a.check;
  }

  private releaseAlignment(grant: PublisherSlot['grant']): void {
    const a = grant.rendition === undefined ? undefined : this.alignments.get(grant.playbackId);
    if (!a || grant.rendition === undefined) return;
    a.check.forget(grant.rendition);
    a.renditions -= 1;
    if (a.renditions <= 0) this.alignments.delete(grant.playbackId);
  }

  /**
   * Ends publications whose publisher has sent no media past the idle timeout: a crashed encoder or
   * a half-open connection (docs/reliability.md: duplicate-publisher) must not keep its stream "live" for viewers or the api.
   */
  sweepIdle(idleTimeoutMs: number): void {
    const now = this.now();
    for (const publication of this.publications.values()) {
      if (now - publication.slot.lastMediaAt <= idleTimeoutMs) continue;
      publication.slot.close('publisher_idle');
    }
  }

  /** Ends every publication (drain): resolves when each end report was sent or failed. */
  async endAll(reason: string): Promise<void> {
    await Promise.all([...this.publications.keys()].map((s) => this.end(s, reason)));
  }
}

function trackOf(codec: string | null) {
  return codec === null ? null : { codec, width: null, height: null, frameRate: null };
}
