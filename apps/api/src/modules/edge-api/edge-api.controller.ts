import type { IncomingMessage, ServerResponse } from 'node:http';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  AuthorizePublishRequestSchema,
  AuthorizePublishResponseSchema,
  ChangesQuerySchema,
  ChangesResponseSchema,
  EDGE_ASSET_MAX_RANGE_BYTES,
  EdgeApiPaths,
  EdgeAssetSchema,
  ErrorCode,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  LiveStreamChecksRequestSchema,
  LiveStreamChecksResponseSchema,
  PlaybackKeySchema,
  PlaybackKeysQuerySchema,
  PlaybackKeysResponseSchema,
  SessionEndRequestSchema,
  SessionStartRequestSchema,
  SessionStartResponseSchema,
  SessionStatsRequestSchema,
  StreamOriginResponseSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Zod } from '../../common/http/validation';
import { principalOf } from '../../common/request-context';
import { parseByteRange } from './byte-range';
import { EdgeApiService } from './edge-api.service';
import { EdgeAssetsService } from './edge-assets.service';

const edgeId = () => principalOf('edge').edgeId;
/** EdgeApiPaths builders percent-encode their argument; the route pattern needs the bare ':id'. */
const route = (path: (id: string) => string) => decodeURIComponent(path(':id'));

/** Routes exactly as contracts' EdgeApiPaths (':id' stands for the session, key or playback id). */
@ApiTags('edge contract')
@Controller()
@Access('edge')
export class EdgeApiController {
  constructor(
    @Inject(EdgeApiService) private readonly edge: EdgeApiService,
    @Inject(EdgeAssetsService) private readonly assets: EdgeAssetsService,
  ) {}

  @Post(EdgeApiPaths.authorizePublish)
  @HttpCode(200)
  @ApiDoc({
    summary: 'May this stream key publish?',
    body: AuthorizePublishRequestSchema,
    response: AuthorizePublishResponseSchema,
  })
  authorizePublish(
    @Body(new Zod(AuthorizePublishRequestSchema, 'body')) req: z.infer<typeof AuthorizePublishRequestSchema>,
  ) {
    return this.edge.authorizePublish(req);
  }

  @Post(EdgeApiPaths.sessions)
  @HttpCode(201)
  @ApiDoc({
    summary: 'An ingest session started',
    body: SessionStartRequestSchema,
    response: SessionStartResponseSchema,
    status: 201,
  })
  start(@Body(new Zod(SessionStartRequestSchema, 'body')) req: z.infer<typeof SessionStartRequestSchema>) {
    return this.edge.startSession(edgeId(), req);
  }

  @Post(route(EdgeApiPaths.sessionStats))
  @HttpCode(204)
  @ApiDoc({ summary: 'Periodic session statistics (deltas)', body: SessionStatsRequestSchema, status: 204 })
  stats(
    @Param('id') id: string,
    @Body(new Zod(SessionStatsRequestSchema, 'body')) req: z.infer<typeof SessionStatsRequestSchema>,
  ) {
    return this.edge.sessionStats(edgeId(), id, req);
  }

  @Post(route(EdgeApiPaths.sessionEnd))
  @HttpCode(204)
  @ApiDoc({ summary: 'An ingest session ended', body: SessionEndRequestSchema, status: 204 })
  end(
    @Param('id') id: string,
    @Body(new Zod(SessionEndRequestSchema, 'body')) req: z.infer<typeof SessionEndRequestSchema>,
  ) {
    return this.edge.endSession(edgeId(), id, req);
  }

  @Post(EdgeApiPaths.heartbeat)
  @HttpCode(200)
  @ApiDoc({
    summary: 'Edge liveness and load',
    body: HeartbeatRequestSchema,
    response: HeartbeatResponseSchema,
  })
  heartbeat(@Body(new Zod(HeartbeatRequestSchema, 'body')) req: z.infer<typeof HeartbeatRequestSchema>) {
    return this.edge.heartbeat(edgeId(), req);
  }

  @Get(EdgeApiPaths.playbackKeys)
  @ApiDoc({
    summary: 'Public keys that verify playback tokens, one page at a time (kid order)',
    response: PlaybackKeysResponseSchema,
  })
  playbackKeys(@Query(new Zod(PlaybackKeysQuerySchema, 'query')) q: z.infer<typeof PlaybackKeysQuerySchema>) {
    return this.edge.playbackKeys(q);
  }

  @Get(route(EdgeApiPaths.playbackKey))
  @ApiDoc({
    summary: 'One playback verification key by kid (404: unknown or revoked)',
    response: PlaybackKeySchema,
  })
  playbackKey(@Param('id') kid: string) {
    return this.edge.playbackKey(kid);
  }

  @Get(route(EdgeApiPaths.streamOrigin))
  @ApiDoc({
    summary: 'Where a playback id is live in the fleet, and a relay token to pull it with',
    response: StreamOriginResponseSchema,
  })
  streamOrigin(@Param('id') playbackId: string) {
    return this.edge.streamOrigin(edgeId(), playbackId);
  }

  @Get(EdgeApiPaths.changes)
  @ApiDoc({
    summary: 'The control feed: revocations and key changes after a cursor (long-poll)',
    response: ChangesResponseSchema,
  })
  changes(
    @Query(new Zod(ChangesQuerySchema, 'query')) q: z.infer<typeof ChangesQuerySchema>,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    // The edge hung up (restart, network): its parked poll is released now.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    return this.edge.changes(edgeId(), q, gone.signal);
  }

  @Post(EdgeApiPaths.liveStreamChecks)
  @HttpCode(200)
  @ApiDoc({
    summary: 'Which of these live streams may no longer publish (after a feed resync)',
    body: LiveStreamChecksRequestSchema,
    response: LiveStreamChecksResponseSchema,
  })
  liveStreamChecks(
    @Body(new Zod(LiveStreamChecksRequestSchema, 'body')) req: z.infer<typeof LiveStreamChecksRequestSchema>,
  ) {
    return this.edge.liveStreamChecks(req.streams);
  }

  @Get(route(EdgeApiPaths.asset))
  @ApiDoc({
    summary: 'An on-demand asset by playback id (only ready ones play)',
    response: EdgeAssetSchema,
  })
  asset(@Param('id') playbackId: string) {
    return this.assets.asset(playbackId);
  }

  /**
   * A ready asset's bytes, one range per request (`Range: bytes=a-b`, at most 32 MiB): 206, or 416 with
   * `Content-Range: bytes * /<size>` for a range that is absent, multiple, past the end or too long.
   */
  @Get(route(EdgeApiPaths.assetSource))
  @ApiDoc({ summary: "A ready asset's file bytes by one Range (206; 416 for a bad range)", status: 206 })
  async assetSource(
    @Param('id') playbackId: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const source = await this.assets.source(playbackId);
    const range = parseByteRange(req.headers.range, source.size, EDGE_ASSET_MAX_RANGE_BYTES);
    if (!range.ok) {
      const body = JSON.stringify({ error: { code: ErrorCode.badRequest, message: range.reason } });
      res.writeHead(416, {
        'content-type': 'application/json',
        'content-range': `bytes */${source.size}`,
        'cache-control': 'no-store',
      });
      res.end(body);
      return;
    }
    const bytes = await source.read(range.start, range.end);
    res.writeHead(206, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
      'content-range': `bytes ${range.start}-${range.start + bytes.length - 1}/${source.size}`,
      'cache-control': 'no-store',
    });
    res.end(bytes);
  }
}
