import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, renditionStreamName } from '@tributary/contracts';
import {
  HLS_CONTENT_TYPES,
  type HlsResource,
  MuxError,
  MuxErrorCode,
  type SegmentFormat,
  tokenDecorator,
} from '@tributary/media';
import type { FlushSchedulerOptions } from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { Authorizer } from '../auth/authorizer';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import type { EdgeMetrics } from '../http/edge-metrics';
import { sendJson } from '../http/responses';
import { ladderOf } from '../streams/renditions';
import type { StreamEntry, StreamRegistry, ViewerAdmission } from '../streams/stream-registry';
import { FrameGrabBusy } from '../thumbnails/frame-grabber';
import type { LiveThumbnails } from '../thumbnails/live-thumbnails';
import { answerPreflight } from './cors';
import { FlvFanout } from './flv-fanout';
import { FlvViewer } from './flv-viewer';
import { formatFor, HlsRendition } from './hls-rendition';
import { type HlsSession, HlsSessions } from './hls-sessions';
import { type LiveRendition, renderLadderMultivariant } from './ladder-manifests';
import { PlaybackHttpError, playRefusal } from './playback-errors';
import { type PlaybackRoute, parsePlaybackPath } from './playback-routes';
import { type SmilRouteOptions, serveSmil } from './smil-route';

/** The FLV MIME type mpegts.js, flv.js and ffmpeg expect. */
const FLV_CONTENT_TYPE = 'video/x-flv';
/**
 * Playlists change every part or segment: `no-cache` makes every cache revalidate (RFC 9111 §5.2.2.4).
 * Segment URIs name one segmenter run (playback-routes.ts), so their bytes never change: a day of caching
 * is safe, and `immutable` spares revalidation (RFC 8246).
 * A signed stream's playlists and segments are only for holders of a token: `private` keeps them out of
 * shared caches (a CDN or proxy would otherwise serve them to anyone, RFC 9111 §5.2.2.7), while the
 * viewer's own browser may still keep segments.
 */
const CACHE_CONTROL = {
  public: { playlist: 'no-cache', segment: 'public, max-age=86400, immutable' },
  signed: { playlist: 'private, no-cache', segment: 'private, max-age=86400, immutable' },
} as const;
/**
 * A blocking playlist reload (rfc8216bis §6.2.5.2) or a preload-hinted part is held at most three target
 * durations, the time after which the spec tells clients to give up and retry; the current playlist is
 * then served.
 */
const BLOCKING_WAIT_TARGET_DURATIONS = 3;
/**
 * The first request of an idle stream starts its segmenter from the GOP cache and waits for the first
 * segment (or part) rather than answering an empty playlist: about one keyframe interval past the target
 * duration. Bounded below hls.js's 10 s manifest timeout.
 */
const FIRST_SEGMENT_WAIT_TARGET_DURATIONS = 3;
const FIRST_SEGMENT_WAIT_MAX_MS = 8000;
/** Idle segmenters and lapsed HLS sessions are looked for this often. */
const SWEEP_INTERVAL_MS = 1000;

export interface HttpPlaybackOptions {
  authorizer: Authorizer;
  registry: StreamRegistry;
  metrics: EdgeMetrics;
  hls: {
    format: SegmentFormat;
    targetDurationMs: number;
    windowSize: number;
    /** LL-HLS part target, undefined without LL-HLS. */
    partTargetMs: number | undefined;
    idleTimeoutMs: number;
    sessionWindowMs: number;
  };
  /** `writes`: when queued tags are written, the RTMP fan-out's policy and settings (default `turn`). */
  flv: { maxQueueBytes: number; maxLagMs: number; writes?: FlushSchedulerOptions };
  /**
   * A stream not live here: pull it from the edge where it is live (relay/), resolving true once it
   * plays here, false when it is live nowhere or the wait ran out. Absent: not live is a 404 at once.
   */
  pullFromFleet?: (playbackId: string) => Promise<boolean>;
  /** `/live/<id>.smil` (SMIL load balancing, smil-route.ts); absent: 404. */
  smil?: SmilRouteOptions;
  /** The grant of a stream live on another edge (relay/): its ladder is served here too. */
  fleetGrant?: (playbackId: string) => Promise<PublishGrant | undefined>;
  /** `/live/<id>/thumbnail.jpg` (thumbnails/); absent: 404. */
  thumbnails?: LiveThumbnails;
  /** True while this edge transcodes the stream's ladder (transcode/): its playlist waits for the renditions. */
  transcoding?: (playbackId: string) => boolean;
  logger: Logger;
  now?: () => number;
}

export interface HttpPlaybackStats {
  bytesSent: number;
  flvDroppedMessages: number;
  flvSlowDisconnects: number;
}

/** A ladder to serve: its renditions, the grant its viewers are checked against, the lead's entry here. */
interface Ladder {
  ladder: LiveRendition[];
  grant: PublishGrant;
  entry: StreamEntry | undefined;
}

/**
 * Browser playback (issue 7) on the edge's HTTP port: HLS (`/live/<id>/index.m3u8` and its segments)
 * and HTTP-FLV (`/live/<id>.flv`), authorised by the same Authorizer as RTMP play, with CORS for
 * browser players. Refusals use the contracts error envelope.
 */
export class HttpPlayback {
  readonly stats: HttpPlaybackStats = { bytesSent: 0, flvDroppedMessages: 0, flvSlowDisconnects: 0 };
  private readonly renditions = new Map<string, HlsRendition>();
  private readonly flvViewers = new Set<FlvViewer>();
  private readonly flvFanout: FlvFanout;
  private readonly now: () => number;
  private epochSeq = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: HttpPlaybackOptions) {
    this.now = opts.now ?? Date.now;
    this.flvFanout = new FlvFanout(opts.flv.writes);
  }

  get renditionCount(): number {
    return this.renditions.size;
  }

  get flvViewerCount(): number {
    return this.flvViewers.size;
  }

  /** The HLS rendition of a stream while one runs (tests, diagnostics). */
  rendition(playbackId: string): HlsRendition | undefined {
    return this.renditions.get(playbackId);
  }

  start(): void {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /**
   * The stream was revoked (control feed): its segmenter and sessions go now, so its last segments are
   * not served on (an ended stream's tail is kept for players until the idle timeout; a revoked one's is not).
   */
  revoke(playbackId: string): void {
    this.closeRendition(playbackId);
    this.opts.thumbnails?.forget(playbackId);
  }

  /** Stops every segmenter and ends every HTTP-FLV response (drain). */
  stop(): void {
    clearInterval(this.sweepTimer);
    for (const playbackId of [...this.renditions.keys()]) this.closeRendition(playbackId);
    for (const viewer of [...this.flvViewers]) viewer.close('shutdown');
  }

  /** Serves one request whose path starts with /live/. Never rejects: failures become error responses. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (answerPreflight(req, res)) return;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new PlaybackHttpError(ErrorCode.badRequest, 'Playback URLs answer GET, HEAD and OPTIONS.');
      }
      const route = parsePlaybackPath(path);
      if (!route) throw new PlaybackHttpError(ErrorCode.notFound, 'No stream has this name.');
      const token = query.get('token') ?? undefined;
      const clientIp = req.socket.remoteAddress ?? '';
      switch (route.kind) {
        case 'hls-playlist':
          await this.servePlaylist(req, res, route.playbackId, token, clientIp, query);
          return;
        case 'hls-resource':
          await this.serveResource(req, res, route, token, clientIp);
          return;
        case 'flv':
          await this.serveFlv(req, res, route.playbackId, token, clientIp);
          return;
        case 'thumbnail':
          await this.serveThumbnail(req, res, route.playbackId, token, clientIp);
          return;
        case 'smil':
          if (!this.opts.smil) throw new PlaybackHttpError(ErrorCode.notFound, 'No stream has this name.');
          serveSmil(
            this.opts.smil,
            req,
            res,
            route.playbackId,
            query,
            (await this.ladderOf(route.playbackId))?.ladder,
          );
          return;
      }
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof PlaybackHttpError) {
        sendJson(res, err.status, { error: { code: err.code, message: err.message } });
        return;
      }
      this.opts.logger.error(
        { err: err instanceof Error ? err.stack : String(err) },
        'playback request failed',
      );
      sendJson(res, 500, { error: { code: ErrorCode.internal, message: 'Internal server error.' } });
    }
  }

  private async servePlaylist(
    req: IncomingMessage,
    res: ServerResponse,
    playbackId: string,
    token: string | undefined,
    clientIp: string,
    query: URLSearchParams,
  ): Promise<void> {
    const ladder = await this.ladderOf(playbackId);
    if (ladder) {
      await this.serveMultivariant(req, res, playbackId, token, clientIp, ladder);
      return;
    }
    const rendition = await this.admitHls(playbackId, token, clientIp);
    const segmenter = rendition.segmenter;
    const targetMs = segmenter.targetDurationMs;
    const blocking = rendition.isLowLatency ? blockingReloadOf(query) : undefined;
    if (blocking) {
      await this.waitFor(
        res,
        () =>
          segmenter.waitFor(
            blocking.msn,
            blocking.part,
            this.deadline(res, targetMs * BLOCKING_WAIT_TARGET_DURATIONS),
          ),
        'serve',
      );
    } else if (segmenter.stats.segments === 0 && segmenter.stats.parts === 0) {
      const waitMs = Math.min(targetMs * FIRST_SEGMENT_WAIT_TARGET_DURATIONS, FIRST_SEGMENT_WAIT_MAX_MS);
      const firstPart = rendition.isLowLatency ? 0 : undefined;
      await this.waitFor(res, () => segmenter.waitFor(0, firstPart, this.deadline(res, waitMs)), 'not_found');
    }
    if (res.destroyed) return;
    const prefix = `${rendition.epoch}/`;
    const withToken = token === undefined ? undefined : tokenDecorator(token);
    const body = segmenter.playlist((uri) => (withToken ? withToken(prefix + uri) : prefix + uri));
    const cacheControl = CACHE_CONTROL[rendition.grant.playbackPolicy].playlist;
    this.send(req, res, HLS_CONTENT_TYPES.playlist, cacheControl, Buffer.from(body), playbackId);
  }

  /**
   * The renditions of the stream's encoder ladder live here (streams/renditions.ts), when the stream is
   * not itself published under its playback id: its playlist is then the multivariant one.
   */
  private liveLadder(playbackId: string): LiveRendition[] | undefined {
    const source = this.opts.registry.get(playbackId)?.publisher;
    // A transcode ladder's source is its input: viewers get its renditions (once the transcoder made one).
    const transcoded = source?.grant.renditionSource === 'transcode';
    if (source && !transcoded) return undefined;
    const live = this.opts.registry.liveRenditionsOf(playbackId);
    if (live.length === 0) {
      if (transcoded && (source.grant.renditions?.length ?? 0) > 0 && this.opts.transcoding?.(playbackId))
        throw new PlaybackHttpError(ErrorCode.notFound, 'The renditions are starting; retry shortly.');
      return undefined;
    }
    return live.flatMap(({ name, entry, grant }) => {
      const rendition = grant.renditions?.find((r) => r.name === name);
      const slot = entry.publisher;
      if (!rendition || !slot) return [];
      return [
        {
          streamName: entry.playbackId,
          rendition,
          codecIds: slot.codecIds ?? {},
          hasVideo: slot.video !== null,
          hasAudio: slot.audio !== null,
        },
      ];
    });
  }

  /**
   * The stream's ladder as this edge can serve it: the renditions live here, else (the stream is live on
   * another edge) the ladder its origin declares, each rendition pulled from there when played.
   */
  private async ladderOf(playbackId: string): Promise<Ladder | undefined> {
    const live = this.liveLadder(playbackId);
    // Only for a ladder live here: the registry scan is not paid by every plain stream's playlist request.
    const lead = live && live.length > 0 ? this.opts.registry.liveRenditionsOf(playbackId)[0] : undefined;
    if (live && lead) return { ladder: live, grant: lead.grant, entry: lead.entry };
    if (live || this.opts.registry.get(playbackId)?.publisher || !this.opts.fleetGrant) return undefined;
    const grant = await this.opts.fleetGrant(playbackId);
    // A rendition's own grant names its ladder too: only the stream itself has a multivariant playlist.
    const declared =
      grant && grant.rendition === undefined && grant.playbackId === playbackId ? ladderOf(grant) : [];
    if (!grant || declared.length === 0) return undefined;
    return {
      grant,
      entry: undefined,
      ladder: declared.map((rendition) => ({
        streamName: renditionStreamName(playbackId, rendition.name),
        rendition,
        codecIds: {},
        hasVideo: true,
        hasAudio: rendition.audioBitrateKbps > 0,
      })),
    };
  }

  /** The multivariant playlist of a live ladder, authorised as a play of the stream itself. */
  private async serveMultivariant(
    req: IncomingMessage,
    res: ServerResponse,
    playbackId: string,
    token: string | undefined,
    clientIp: string,
    { ladder, grant, entry }: Ladder,
  ): Promise<void> {
    await this.authorize(playbackId, token, clientIp, grant, entry);
    if (res.destroyed) return;
    const body = renderLadderMultivariant(ladder, token === undefined ? undefined : tokenDecorator(token));
    const cacheControl = CACHE_CONTROL[grant.playbackPolicy].playlist;
    this.send(req, res, HLS_CONTENT_TYPES.playlist, cacheControl, Buffer.from(body), playbackId);
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    route: Extract<PlaybackRoute, { kind: 'hls-resource' }>,
    token: string | undefined,
    clientIp: string,
  ): Promise<void> {
    const rendition = await this.admitHls(route.playbackId, token, clientIp);
    if (route.epoch !== rendition.epoch) {
      throw new PlaybackHttpError(
        ErrorCode.notFound,
        'This segment is from an earlier run; reload the playlist.',
      );
    }
    const segmenter = rendition.segmenter;
    const wait = this.deadline(res, segmenter.targetDurationMs * BLOCKING_WAIT_TARGET_DURATIONS);
    let resource: HlsResource | undefined;
    try {
      resource = await segmenter.fetch(route.resource, wait);
    } catch (err) {
      if (!(err instanceof MuxError && err.code === MuxErrorCode.Aborted)) throw err;
    }
    if (res.destroyed) return;
    if (!resource)
      throw new PlaybackHttpError(ErrorCode.notFound, 'This segment is not (or no longer) available.');
    const cacheControl = CACHE_CONTROL[rendition.grant.playbackPolicy].segment;
    this.send(req, res, resource.contentType, cacheControl, resource.data, route.playbackId);
  }

  /**
   * The stream's current picture, authorised like a play of it (name, token, policy) but not counted
   * among its viewers nor refused at its viewer cap. A stream live on another edge is pulled here first,
   * as for HTTP-FLV. Signed streams' pictures are `private`; a few seconds of caching matches the refresh.
   */
  private async serveThumbnail(
    req: IncomingMessage,
    res: ServerResponse,
    playbackId: string,
    token: string | undefined,
    clientIp: string,
  ): Promise<void> {
    const thumbnails = this.opts.thumbnails;
    if (!thumbnails) throw new PlaybackHttpError(ErrorCode.notFound, 'Thumbnails are off on this edge.');
    let entry = this.opts.registry.get(playbackId);
    // An encoder ladder's stream is published only as its renditions: the first one's picture.
    entry = entry?.publisher ? entry : (this.opts.registry.liveRenditionsOf(playbackId)[0]?.entry ?? entry);
    if (!entry?.publisher && (await this.opts.pullFromFleet?.(playbackId)))
      entry = this.opts.registry.get(playbackId);
    if (!entry?.publisher) throw notLive();
    const grant = entry.publisher.grant;
    await this.authorize(playbackId, token, clientIp, grant, undefined);
    let jpeg: Buffer | undefined;
    try {
      jpeg = await thumbnails.get(playbackId, entry.broadcast);
    } catch (err) {
      if (res.destroyed) return;
      if (err instanceof FrameGrabBusy) res.setHeader('retry-after', '1');
      throw new PlaybackHttpError(
        ErrorCode.serviceUnavailable,
        err instanceof FrameGrabBusy
          ? 'Thumbnails are busy on this edge; retry shortly.'
          : 'The thumbnail could not be made; retry shortly.',
      );
    }
    if (!jpeg) throw new PlaybackHttpError(ErrorCode.notFound, 'The stream has no picture yet.');
    if (res.destroyed) return;
    const cacheControl = grant.playbackPolicy === 'signed' ? 'private, max-age=5' : 'public, max-age=5';
    this.send(req, res, 'image/jpeg', cacheControl, jpeg, playbackId);
  }

  private async serveFlv(
    req: IncomingMessage,
    res: ServerResponse,
    playbackId: string,
    token: string | undefined,
    clientIp: string,
  ): Promise<void> {
    let before = this.opts.registry.get(playbackId);
    if (!before?.publisher && (await this.opts.pullFromFleet?.(playbackId)))
      before = this.opts.registry.get(playbackId);
    if (!before?.publisher) throw notLive();
    const admission = await this.authorize(playbackId, token, clientIp, before.publisher.grant, before);
    // The publisher may have left while the token was checked.
    const entry = this.opts.registry.get(playbackId);
    const slot = entry?.publisher;
    if (!entry || !slot) throw notLive();
    if (res.destroyed) return;
    const log = this.opts.logger.child({ playbackId, protocol: 'http-flv', remote: clientIp });
    const known = slot.video !== null || slot.audio !== null;
    const viewer = new FlvViewer(res, {
      tracks: { audio: !known || slot.audio !== null, video: !known || slot.video !== null },
      fanout: this.flvFanout,
      maxQueueBytes: this.opts.flv.maxQueueBytes,
      maxLagMs: this.opts.flv.maxLagMs,
      onSent: (bytes) => this.countSent(entry, bytes),
      onEnd: (reason) => {
        entry.broadcast.unlisten(viewer);
        this.opts.registry.removeViewer(entry, viewer);
        this.flvViewers.delete(viewer);
        this.stats.flvDroppedMessages += viewer.stats.droppedMessages;
        if (viewer.stats.slowDisconnect) this.stats.flvSlowDisconnects++;
        log.info({ reason, droppedMessages: viewer.stats.droppedMessages }, 'closed');
      },
      now: this.now,
    });
    FlvViewer.writeHead(res, { 'content-type': FLV_CONTENT_TYPE, 'cache-control': 'no-store' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    this.opts.registry.addHttpViewer(entry, viewer, admission);
    this.flvViewers.add(viewer);
    res.once('close', () => viewer.close('client_closed'));
    log.info({}, 'opened');
    viewer.begin();
    entry.broadcast.listen(viewer);
  }

  /**
   * HLS admission: a request of a known session (client address + token) is served at once; any other
   * is authorised like an RTMP play (name, token, policy of the stream's publisher, viewer limit) and,
   * while the stream is live, opens a session counted among its viewers. The stream's segmenter starts
   * here when it is not running.
   */
  private async admitHls(
    playbackId: string,
    token: string | undefined,
    clientIp: string,
  ): Promise<HlsRendition> {
    this.closeIfFormatChanged(playbackId);
    const key = HlsSessions.keyOf(clientIp, token);
    const known = this.renditions.get(playbackId)?.sessions.touch(key, this.now());
    let admission: ViewerAdmission | undefined;
    if (!known) {
      let entry = this.opts.registry.get(playbackId);
      if (
        !entry?.publisher &&
        !this.renditions.has(playbackId) &&
        (await this.opts.pullFromFleet?.(playbackId))
      )
        entry = this.opts.registry.get(playbackId);
      const grant = entry?.publisher?.grant ?? this.renditions.get(playbackId)?.grant;
      if (!grant) throw notLive();
      admission = await this.authorize(playbackId, token, clientIp, grant, entry);
    }
    const entry = this.opts.registry.get(playbackId);
    const slot = entry?.publisher;
    let rendition = this.renditions.get(playbackId);
    if (entry && slot) {
      if (!rendition) {
        const epoch = `${this.now().toString(36)}${(this.epochSeq++).toString(36)}`;
        const format = formatFor(this.opts.hls.format, slot.video?.codec, slot.audio?.codec);
        rendition = new HlsRendition(epoch, { ...this.opts.hls, format }, slot.grant, this.now());
        this.renditions.set(playbackId, rendition);
        this.opts.logger.info({ playbackId, epoch, format }, 'hls segmenter started');
      }
      rendition.follow(entry.broadcast, slot.grant);
      if (admission && !rendition.sessions.touch(key, this.now())) {
        this.opts.registry.addHttpViewer(entry, rendition.sessions.open(key, entry, this.now()), admission);
      }
    }
    if (!rendition) throw notLive();
    rendition.lastRequestAt = this.now();
    return rendition;
  }

  /**
   * A rendition whose container no longer fits the live session's codecs (a new publisher sends AV1 or
   * Opus where the last one sent H.264/AAC in MPEG-TS, or it was started before any media said which)
   * is closed, so this request starts one in the right container (a new epoch: new URIs) and its viewers
   * are admitted again. MPEG-TS and fMP4 segments cannot share one playlist.
   */
  private closeIfFormatChanged(playbackId: string): void {
    const rendition = this.renditions.get(playbackId);
    const slot = this.opts.registry.get(playbackId)?.publisher;
    if (!rendition || !slot) return;
    const format = formatFor(this.opts.hls.format, slot.video?.codec, slot.audio?.codec);
    if (format !== rendition.segmenter.format) this.closeRendition(playbackId);
  }

  private async authorize(
    playbackId: string,
    token: string | undefined,
    clientIp: string,
    grant: PublishGrant,
    entry: StreamEntry | undefined,
  ): Promise<ViewerAdmission> {
    const live = { grant, viewers: entry?.viewers.size ?? 0 };
    const verdict = await this.opts.authorizer.authorizePlay(playbackId, token, clientIp, live);
    this.opts.metrics.playAuth.inc({ result: verdict.allow ? 'allowed' : verdict.result });
    if (!verdict.allow) {
      this.opts.logger.info({ playbackId, result: verdict.result, remote: clientIp }, 'http play refused');
      throw playRefusal(verdict.result, verdict.description);
    }
    return verdict.value;
  }

  /**
   * Runs a segmenter wait. A too-far-ahead request is a 400 (rfc8216bis §6.2.5.2); a wait cut by its
   * deadline serves what there is (`serve`) or answers 404 (`not_found`, nothing to play yet).
   */
  private async waitFor(
    res: ServerResponse,
    wait: () => Promise<void>,
    onDeadline: 'serve' | 'not_found',
  ): Promise<void> {
    try {
      await wait();
    } catch (err) {
      if (!(err instanceof MuxError)) throw err;
      if (err.code === MuxErrorCode.RequestTooFarAhead)
        throw new PlaybackHttpError(ErrorCode.badRequest, err.message);
      if (res.destroyed || onDeadline === 'serve') return;
      throw new PlaybackHttpError(ErrorCode.notFound, 'The stream has no segment yet; retry shortly.');
    }
  }

  /** Aborts when the client goes away or after `ms` (the segmenter's waits have no timeout of their own). */
  private deadline(res: ServerResponse, ms: number): AbortSignal {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    return AbortSignal.any([gone.signal, AbortSignal.timeout(ms)]);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    contentType: string,
    cacheControl: string,
    body: Buffer,
    playbackId: string,
  ): void {
    res.writeHead(200, {
      'content-type': contentType,
      'cache-control': cacheControl,
      'content-length': body.length,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.end(body);
    const entry = this.opts.registry.get(playbackId);
    this.countSent(entry, body.length);
  }

  private countSent(entry: StreamEntry | undefined, bytes: number): void {
    this.stats.bytesSent += bytes;
    if (entry?.publisher) entry.publisher.httpBytesOut += bytes;
  }

  private sweep(): void {
    const now = this.now();
    for (const [playbackId, rendition] of this.renditions) {
      if (now - rendition.lastRequestAt > this.opts.hls.idleTimeoutMs) {
        this.closeRendition(playbackId);
        continue;
      }
      for (const session of rendition.sessions.expire(now)) this.leave(session);
    }
  }

  private closeRendition(playbackId: string): void {
    const rendition = this.renditions.get(playbackId);
    if (!rendition) return;
    this.renditions.delete(playbackId);
    for (const session of rendition.sessions.clear()) this.leave(session);
    rendition.close();
    this.opts.logger.info({ playbackId, epoch: rendition.epoch }, 'hls segmenter stopped');
  }

  private leave(session: HlsSession): void {
    this.opts.registry.removeViewer(session.entry, session);
  }
}

function notLive(): PlaybackHttpError {
  return new PlaybackHttpError(ErrorCode.notFound, 'This stream is not live here.');
}

/** `_HLS_msn` / `_HLS_part` (rfc8216bis §6.2.5.2): `_HLS_part` without `_HLS_msn` is a 400. */
function blockingReloadOf(query: URLSearchParams): { msn: number; part: number | undefined } | undefined {
  const msn = query.get('_HLS_msn');
  const part = query.get('_HLS_part');
  if (msn === null) {
    if (part !== null) throw new PlaybackHttpError(ErrorCode.badRequest, '_HLS_part needs _HLS_msn.');
    return undefined;
  }
  return {
    msn: nonNegativeInt('_HLS_msn', msn),
    part: part === null ? undefined : nonNegativeInt('_HLS_part', part),
  };
}

/** Bounded to 10 digits, so a hostile value never becomes a float or an unsafe integer. */
function nonNegativeInt(name: string, value: string): number {
  if (!/^\d{1,10}$/.test(value))
    throw new PlaybackHttpError(ErrorCode.badRequest, `${name} must be a whole number.`);
  return Number(value);
}
