import type { IncomingMessage, ServerResponse } from 'node:http';
import { Body, Controller, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { EDGE_ASSET_MAX_RANGE_BYTES, ErrorCode, routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { principalOf } from '../../common/request-context';
import { parseByteRange } from './byte-range';
import { EdgeApiService } from './edge-api.service';
import { EdgeAssetsService } from './edge-assets.service';

const edgeId = () => principalOf('edge').edgeId;
const r = routes.edgeApi;

/** The edge contract (routes.edgeApi; contracts/edge-api.ts has the schemas). */
@Controller()
export class EdgeApiController {
  constructor(
    @Inject(EdgeApiService) private readonly edge: EdgeApiService,
    @Inject(EdgeAssetsService) private readonly assets: EdgeAssetsService,
  ) {}

  @Route(r.authorizePublish)
  authorizePublish(
    @Body(new Zod(r.authorizePublish.body, 'body')) req: z.output<typeof r.authorizePublish.body>,
  ) {
    return this.edge.authorizePublish(req);
  }

  @Route(r.startSession)
  start(@Body(new Zod(r.startSession.body, 'body')) req: z.output<typeof r.startSession.body>) {
    return this.edge.startSession(edgeId(), req);
  }

  @Route(r.sessionStats)
  stats(
    @Param('sessionId') id: string,
    @Body(new Zod(r.sessionStats.body, 'body')) req: z.output<typeof r.sessionStats.body>,
  ) {
    return this.edge.sessionStats(edgeId(), id, req);
  }

  @Route(r.endSession)
  end(
    @Param('sessionId') id: string,
    @Body(new Zod(r.endSession.body, 'body')) req: z.output<typeof r.endSession.body>,
  ) {
    return this.edge.endSession(edgeId(), id, req);
  }

  @Route(r.heartbeat)
  heartbeat(@Body(new Zod(r.heartbeat.body, 'body')) req: z.output<typeof r.heartbeat.body>) {
    return this.edge.heartbeat(edgeId(), req);
  }

  @Route(r.playbackKeys)
  playbackKeys(@Query(new Zod(r.playbackKeys.query, 'query')) q: z.output<typeof r.playbackKeys.query>) {
    return this.edge.playbackKeys(q);
  }

  @Route(r.playbackKey)
  playbackKey(@Param('kid') kid: string) {
    return this.edge.playbackKey(kid);
  }

  @Route(r.streamOrigin)
  streamOrigin(@Param('playbackId') playbackId: string) {
    return this.edge.streamOrigin(edgeId(), playbackId);
  }

  @Route(r.changes)
  changes(
    @Query(new Zod(r.changes.query, 'query')) q: z.output<typeof r.changes.query>,
    @Res({ passthrough: true }) res: ServerResponse,
  ) {
    // The edge hung up (restart, network): its parked poll is released now.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    return this.edge.changes(edgeId(), q, gone.signal);
  }

  @Route(r.liveStreamChecks)
  liveStreamChecks(
    @Body(new Zod(r.liveStreamChecks.body, 'body')) req: z.output<typeof r.liveStreamChecks.body>,
  ) {
    return this.edge.liveStreamChecks(req.streams);
  }

  @Route(r.asset)
  asset(@Param('playbackId') playbackId: string) {
    return this.assets.asset(playbackId);
  }

  /**
   * A ready asset's bytes, one range per request (`Range: bytes=a-b`, at most 32 MiB): 206, or 416 with
   * `Content-Range: bytes * /<size>` for a range that is absent, multiple, past the end or too long.
   */
  @Route(r.assetSource)
  async assetSource(
    @Param('playbackId') playbackId: string,
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
