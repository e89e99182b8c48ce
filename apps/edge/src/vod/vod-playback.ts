import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EdgeAsset, ErrorCode, PlaybackHttpPaths } from '@tributary/contracts';
import {
  HLS_CONTENT_TYPES,
  indexMediaFile,
  MediaFileError,
  muxVodSegment,
  planVodSegments,
  renderVodPlaylist,
  tokenDecorator,
} from '@tributary/media';
import type { Logger } from '@tributary/service-kit';
import { generateMultiBitrateSmil } from '@tributary/smil';
import type { Authorizer } from '../auth/authorizer';
import { keyServesTenant, TOKEN_REFUSAL_MESSAGES } from '../auth/playback-token';
import { ControlPlaneError } from '../control-plane/api-client';
import type { Counter, MetricsRegistry } from '../http/metrics';
import { sendJson } from '../http/responses';
import { answerPreflight } from '../http-playback/cors';
import { PlaybackHttpError, playRefusal } from '../http-playback/playback-errors';
import { SMIL_CONTENT_TYPE } from '../http-playback/smil-route';
import { FrameGrabBusy, type FrameGrabber } from '../thumbnails/frame-grabber';
import { BlockCache, type FileKey } from './block-cache';
import { AssetLookups, IndexCache, type IndexedAsset } from './vod-caches';
import { parseVodPath } from './vod-routes';

/**
 * A VOD playlist never changes while its asset is the same, but the asset may be deleted or made
 * signed: a short cache keeps that visible within a minute. Segments of a file never change: a day,
 * immutable (RFC 8246). Signed assets' answers are `private` (kept out of shared caches).
 */
const CACHE_CONTROL = {
  public: { playlist: 'public, max-age=60', segment: 'public, max-age=86400, immutable' },
  signed: { playlist: 'private, max-age=60', segment: 'private, max-age=86400, immutable' },
} as const;
/** Asset answers are kept this long: a deleted or re-policied asset is seen within it. */
const ASSET_LOOKUP_TTL_MS = 5000;
/** While the api is down, an asset's last answer is used this long after it was fetched. */
const ASSET_STALE_IF_ERROR_MS = 5 * 60_000;
/** Playback ids whose lookups are kept at once. */
const ASSET_LOOKUP_MAX_ENTRIES = 10_000;
/**
 * Segments muxed at once; more requests wait their turn. A segment is built whole in memory (a few MB
 * at most bit rates), so this bounds what building segments costs edge-wide.
 */
const MAX_CONCURRENT_SEGMENTS = 32;
/** Posters kept (one JPEG of at most THUMBNAIL_MAX_BYTES each). */
const POSTER_CACHE_MAX_ENTRIES = 256;
/** A poster is taken from the segment that holds this fraction of the asset's duration (its first keyframe). */
const POSTER_AT_FRACTION = 0.1;
/** Indexes kept: at most this many files, and this many samples in all (~29 bytes each: ~116 MB). */
const INDEX_CACHE_MAX_ENTRIES = 256;
const INDEX_CACHE_MAX_SAMPLES = 4_000_000;

export interface VodPlaybackOptions {
  authorizer: Authorizer;
  /** The api: asset lookups, and file bytes by range (control-plane/api-client.ts). */
  lookup: (playbackId: string) => Promise<EdgeAsset | undefined>;
  readRange: (playbackId: string, offset: number, length: number) => Promise<Buffer>;
  /** VOD_CACHE_BYTES: file blocks held in memory across all assets. */
  cacheBytes: number;
  /**
   * The RTMP on-demand application URL `/vod/<id>.smil` names for this request (an edge with room, as
   * live SMIL); absent or undefined: the SMIL answers 503.
   */
  smilBase?: (req: IncomingMessage) => string | undefined;
  /** VOD_SEGMENT_TARGET_MS: segments are cut at the first keyframe at least this long after their start. */
  segmentTargetMs: number;
  metrics: MetricsRegistry;
  /** Posters (`/vod/<id>/poster.jpg`) are decoded through it; absent: 404. */
  frames?: FrameGrabber;
  logger: Logger;
}

type RequestKind = 'playlist' | 'segment' | 'poster' | 'smil' | 'other';

/**
 * On-demand HLS (issue 12): `/vod/<playbackId>/index.m3u8` and its `seg-<n>.ts` from any edge. The
 * asset is looked up through the api (briefly cached), its file read by range through the api into a
 * bounded block cache, indexed once (a bounded LRU of indexes), and cut on its own keyframes; each
 * segment is muxed to MPEG-TS on request from the cached blocks. Signed assets need a playback token
 * (`?token=`, carried onto every segment URI), verified offline as for live playback.
 */
export class VodPlayback {
  private readonly lookups: AssetLookups;
  private readonly indexes: IndexCache;
  readonly blocks: BlockCache;
  private readonly requests: Counter<'kind' | 'result'>;
  /** Playlist and segment bytes sent to players. */
  bytesSent = 0;
  private muxing = 0;
  private readonly muxQueue: Array<() => void> = [];
  /** assetId → its poster (being) decoded; failures are not kept. */
  private readonly posters = new Map<string, Promise<Buffer>>();

  constructor(private readonly opts: VodPlaybackOptions) {
    this.lookups = new AssetLookups({
      lookup: opts.lookup,
      ttlMs: ASSET_LOOKUP_TTL_MS,
      staleIfErrorMs: ASSET_STALE_IF_ERROR_MS,
      maxEntries: ASSET_LOOKUP_MAX_ENTRIES,
    });
    this.indexes = new IndexCache({
      maxEntries: INDEX_CACHE_MAX_ENTRIES,
      maxSamples: INDEX_CACHE_MAX_SAMPLES,
    });
    this.blocks = new BlockCache({
      maxBytes: opts.cacheBytes,
      fetch: (file, offset, length) => opts.readRange(file.playbackId, offset, length),
    });
    const m = opts.metrics;
    this.requests = m.counter(
      'tributary_edge_vod_requests_total',
      'On-demand HLS requests, by kind (playlist, segment, other) and result (ok or an error code).',
    );
    m.observedCounter(
      'tributary_edge_vod_cache_hits_total',
      'On-demand file blocks found in the edge cache (or already being fetched).',
      () => this.blocks.stats.hits,
    );
    m.observedCounter(
      'tributary_edge_vod_cache_misses_total',
      'On-demand file blocks read from the api.',
      () => this.blocks.stats.misses,
    );
    m.observedCounter(
      'tributary_edge_vod_api_read_bytes_total',
      'Bytes of on-demand files read from the api.',
      () => this.blocks.stats.bytesFetched,
    );
    m.observedCounter(
      'tributary_edge_vod_sent_bytes_total',
      'On-demand HLS bytes sent to players (playlists and segments).',
      () => this.bytesSent,
    );
    m.gauge(
      'tributary_edge_vod_cache_bytes',
      'Bytes of on-demand file blocks held.',
      () => this.blocks.bytes,
    );
    m.gauge('tributary_edge_vod_indexes', 'On-demand file indexes held.', () => this.indexes.size);
  }

  /** Serves one request whose path starts with /vod/. Never rejects: failures become error responses. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (answerPreflight(req, res)) return;
    let kind: RequestKind = 'other';
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new PlaybackHttpError(ErrorCode.badRequest, 'Playback URLs answer GET, HEAD and OPTIONS.');
      const route = parseVodPath(path);
      if (!route) throw new PlaybackHttpError(ErrorCode.notFound, 'No asset has this name.');
      kind = route.kind;
      const token = query.get('token') ?? undefined;
      const asset = await this.admit(route.playbackId, token, req.socket.remoteAddress ?? '');
      const indexed = await this.indexed(asset);
      const cache = CACHE_CONTROL[asset.playbackPolicy];
      if (route.kind === 'playlist') {
        const decorate = token === undefined ? undefined : tokenDecorator(token);
        const body = renderVodPlaylist(
          indexed.segments,
          (s) => PlaybackHttpPaths.vodHlsSegment(route.playbackId, s.index).split('/').pop() as string,
          decorate,
        );
        this.send(req, res, HLS_CONTENT_TYPES.playlist, cache.playlist, Buffer.from(body));
      } else if (route.kind === 'smil') {
        this.send(
          req,
          res,
          SMIL_CONTENT_TYPE,
          cache.playlist,
          Buffer.from(this.smil(req, asset, indexed, token)),
        );
      } else if (route.kind === 'poster') {
        const jpeg = await this.poster(asset, indexed, res);
        this.send(req, res, 'image/jpeg', cache.playlist, jpeg);
      } else {
        const segment = indexed.segments[route.segment];
        if (!segment) throw new PlaybackHttpError(ErrorCode.notFound, 'This asset has no such segment.');
        const body = await this.muxTurn(() =>
          muxVodSegment(indexed.index, segment, (offset, length) =>
            this.blocks.read(fileKey(asset), offset, length),
          ),
        );
        this.send(req, res, HLS_CONTENT_TYPES.mpegts, cache.segment, body);
      }
      this.requests.inc({ kind, result: 'ok' });
    } catch (err) {
      const failure = this.failure(err, path);
      this.requests.inc({ kind, result: failure.code });
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      sendJson(res, failure.status, { error: { code: failure.code, message: failure.message } });
    }
  }

  /**
   * The asset as SMIL, the document JW Player and Wowza-era players read for on-demand RTMP: `<meta
   * base>` names the RTMP on-demand application of an edge with room (the token, if any, on it: the edge
   * reads it from the connect), and one `<video src="mp4:<playbackId>">` with the file's bit rate and
   * picture size, as a one-rendition switch (packages/smil's writer).
   */
  private smil(
    req: IncomingMessage,
    asset: EdgeAsset,
    indexed: IndexedAsset,
    token: string | undefined,
  ): string {
    const base = this.opts.smilBase?.(req);
    if (base === undefined)
      throw new PlaybackHttpError(ErrorCode.serviceUnavailable, 'No edge is available to play from.');
    const { durationMs, video } = indexed.index;
    const bitrate = durationMs > 0 ? Math.round((asset.sizeBytes * 8 * 1000) / durationMs) : 0;
    return generateMultiBitrateSmil({
      base: token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`,
      renditions: [
        {
          src: `mp4:${asset.playbackId}`,
          systemBitrate: Math.max(1, bitrate),
          ...(video ? { width: video.width, height: video.height } : {}),
        },
      ],
    });
  }

  /**
   * The asset if it is ready and this request may play it; else the refusal as a PlaybackHttpError.
   * On-demand RTMP (rtmp-vod-player.ts) admits its plays through here too: one rule for both protocols.
   */
  async admit(playbackId: string, token: string | undefined, clientIp: string): Promise<EdgeAsset> {
    const asset = await this.lookups.get(playbackId);
    if (!asset) throw new PlaybackHttpError(ErrorCode.notFound, 'No asset has this name.');
    if (asset.status !== 'ready')
      throw new PlaybackHttpError(
        ErrorCode.notFound,
        asset.status === 'preparing' ? 'This asset is still being prepared.' : 'This asset cannot be played.',
      );
    // The one play door (Authorizer): name check, failure throttle, offline token verification.
    const verdict = await this.opts.authorizer.authorizePlay(playbackId, token, clientIp, undefined);
    if (!verdict.allow) throw playRefusal(verdict.result, verdict.description);
    const keyTenant = verdict.value.tokenKeyTenantId;
    if (keyTenant !== undefined) {
      if (!keyServesTenant(keyTenant, asset.tenantId))
        throw playRefusal('token_wrong_tenant', TOKEN_REFUSAL_MESSAGES.wrong_tenant);
    } else if (asset.playbackPolicy === 'signed') {
      throw playRefusal('token_missing', 'This asset needs a playback token: add ?token=<jwt> to the URL.');
    }
    return asset;
  }

  /**
   * The asset's poster: the first frame of the segment holding POSTER_AT_FRACTION of its duration (a
   * keyframe: segments start on one), muxed as for playback and decoded by the edge's bounded
   * FrameGrabber; kept per asset (bounded), concurrent requests share one decode.
   */
  private async poster(asset: EdgeAsset, indexed: IndexedAsset, res: ServerResponse): Promise<Buffer> {
    const frames = this.opts.frames;
    if (!frames) throw new PlaybackHttpError(ErrorCode.notFound, 'Posters are off on this edge.');
    if (!indexed.index.video) throw new PlaybackHttpError(ErrorCode.notFound, 'This asset has no picture.');
    let poster = this.posters.get(asset.assetId);
    if (!poster) {
      const segments = indexed.segments;
      const last = segments[segments.length - 1];
      const total = last ? last.startMs + last.durationMs : 0;
      const at = (segments[0]?.startMs ?? 0) + total * POSTER_AT_FRACTION;
      const segment = [...segments].reverse().find((s) => s.startMs <= at) ?? segments[0];
      if (!segment) throw new PlaybackHttpError(ErrorCode.notFound, 'This asset has no picture.');
      poster = this.muxTurn(() =>
        muxVodSegment(indexed.index, segment, (offset, length) =>
          this.blocks.read(fileKey(asset), offset, length),
        ),
      ).then((ts) => frames.grab(ts, 'mpegts'));
      this.posters.set(asset.assetId, poster);
      while (this.posters.size > POSTER_CACHE_MAX_ENTRIES)
        this.posters.delete(this.posters.keys().next().value as string);
      poster.catch(() => this.posters.delete(asset.assetId));
    }
    try {
      return await poster;
    } catch (err) {
      if (err instanceof FrameGrabBusy) {
        if (!res.headersSent) res.setHeader('retry-after', '1');
        throw new PlaybackHttpError(
          ErrorCode.serviceUnavailable,
          'Posters are busy on this edge; retry shortly.',
        );
      }
      if (
        err instanceof PlaybackHttpError ||
        err instanceof ControlPlaneError ||
        err instanceof MediaFileError
      )
        throw err;
      throw new PlaybackHttpError(
        ErrorCode.serviceUnavailable,
        'The poster could not be made; retry shortly.',
      );
    }
  }

  /** Runs one segment's mux when fewer than MAX_CONCURRENT_SEGMENTS are running. */
  private async muxTurn<T>(mux: () => Promise<T>): Promise<T> {
    while (this.muxing >= MAX_CONCURRENT_SEGMENTS) await new Promise<void>((r) => this.muxQueue.push(r));
    this.muxing++;
    try {
      return await mux();
    } finally {
      this.muxing--;
      this.muxQueue.shift()?.();
    }
  }

  /** The asset's index and segment plan (built once, kept in the bounded index cache). */
  indexed(asset: EdgeAsset): Promise<IndexedAsset> {
    return this.indexes.get(asset.assetId, async () => {
      const started = Date.now();
      const index = await indexMediaFile(this.blocks.source(fileKey(asset)));
      const segments = planVodSegments(index, this.opts.segmentTargetMs);
      this.opts.logger.info(
        {
          assetId: asset.assetId,
          playbackId: asset.playbackId,
          samples: index.samples.count,
          segments: segments.length,
          ms: Date.now() - started,
        },
        'vod asset indexed',
      );
      return { index, segments };
    });
  }

  /** What a failure of admit, indexed or a read tells the player (logged here when it is the edge's). */
  failure(err: unknown, path: string): { status: number; code: string; message: string } {
    if (err instanceof PlaybackHttpError) return { status: err.status, code: err.code, message: err.message };
    if (err instanceof ControlPlaneError) {
      // The asset was deleted between the lookup and the read, or its file is gone.
      if (err.status === 404)
        return { status: 404, code: ErrorCode.notFound, message: 'No asset has this name.' };
      this.opts.logger.warn({ path, failure: err.failure, err: err.message }, 'vod api read failed');
      return {
        status: 503,
        code: ErrorCode.serviceUnavailable,
        message: 'On-demand playback is unavailable right now; try again shortly.',
      };
    }
    if (err instanceof MediaFileError) {
      this.opts.logger.warn({ path, code: err.code, err: err.message }, 'vod file unplayable');
      return { status: 404, code: ErrorCode.notFound, message: 'This asset cannot be played.' };
    }
    this.opts.logger.error(
      { path, err: err instanceof Error ? err.stack : String(err) },
      'vod request failed',
    );
    return { status: 500, code: ErrorCode.internal, message: 'Internal server error.' };
  }

  private send(req: IncomingMessage, res: ServerResponse, type: string, cache: string, body: Buffer): void {
    res.writeHead(200, { 'content-type': type, 'cache-control': cache, 'content-length': body.length });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.end(body);
    this.bytesSent += body.length;
  }
}

export function fileKey(asset: EdgeAsset): FileKey {
  return { assetId: asset.assetId, playbackId: asset.playbackId, size: asset.sizeBytes };
}
