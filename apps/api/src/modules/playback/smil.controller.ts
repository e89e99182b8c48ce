import type { ServerResponse } from 'node:http';
import { Controller, Inject, Param, Query, Res } from '@nestjs/common';
import { routes, SAFE_NAME } from '@tributary/contracts';
import { renderEdgeRedirectSmil } from '@tributary/smil';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { Database } from '../../database/database';
import { EdgesService } from '../edges/edges.service';
import { pickEdge } from '../edges/fleet';

export const SMIL_CONTENT_TYPE = 'application/smil+xml; charset=utf-8';

const r = routes.playback.smil;

/**
 * SMIL load balancing (issue 11), the api's copy of what every edge serves at the same path: a SMIL
 * document naming the least-loaded healthy edge (in the viewer's region when one there has room) as
 * `<meta base>` and the playback id as `<video src>`, the form JW Player reads. Players fetch it
 * first and connect where it says; the edge then checks the token as for any viewer.
 */
@Controller()
export class SmilController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(EdgesService) private readonly edges: EdgesService,
  ) {}

  @Route(r)
  async smil(
    @Param('playbackId') playbackId: string,
    @Query(new Zod(r.query, 'query')) q: z.output<typeof r.query>,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<string> {
    if (!SAFE_NAME.test(playbackId)) throw AppError.notFound('playback id');
    // Public and unscoped, like playing: the playback id is what a player is given.
    const stream = await this.db
      .unscoped('public SMIL redirect')
      .liveStream.findUnique({ where: { playbackId }, select: { playbackId: true } });
    if (!stream) throw AppError.notFound('playback id');
    const edge = pickEdge(await this.edges.fleet(), q.region);
    if (!edge) throw new AppError(ErrorCode.serviceUnavailable, 'no edge is available to play from');
    const query = q.token === undefined ? undefined : `token=${encodeURIComponent(q.token)}`;
    let body: string;
    try {
      body = renderEdgeRedirectSmil({ base: edge.rtmpUrl }, stream.playbackId, query);
    } catch {
      throw new AppError(ErrorCode.validationFailed, 'the token cannot be carried in a SMIL document');
    }
    res.setHeader('content-type', SMIL_CONTENT_TYPE);
    // Load changes by the second: a player asks again rather than reuse an old answer.
    res.setHeader('cache-control', 'no-store');
    return body;
  }
}
