import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PlaybackHttpPaths, SAFE_NAME } from '@tributary/contracts';
import { renderEdgeRedirectSmil } from '@tributary/smil';
import { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { AppError, ErrorCode } from '../../common/errors';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Zod } from '../../common/http/validation';
import { Database } from '../../database/database';
import { EdgesService } from '../edges/edges.service';
import { pickEdge } from '../edges/fleet';

export const SMIL_CONTENT_TYPE = 'application/smil+xml; charset=utf-8';

const SmilQuerySchema = z.object({
  /** A playback token for a signed stream: carried to the edge on the video src, verified there. */
  token: z.string().max(4096).optional(),
  /** Prefer edges of this region (edges declare one when registered). */
  region: z.string().max(64).optional(),
});

/**
 * SMIL load balancing (issue 11), the api's copy of what every edge serves at the same path: a SMIL
 * document naming the least-loaded healthy edge (in the viewer's region when one there has room) as
 * `<meta base>` and the playback id as `<video src>`, the form JW Player reads. Players fetch it
 * first and connect where it says; the edge then checks the token as for any viewer.
 */
@ApiTags('playback')
@Controller()
@Access('public')
export class SmilController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(EdgesService) private readonly edges: EdgesService,
  ) {}

  @Get(PlaybackHttpPaths.smil(':id'))
  @ApiDoc({ summary: 'SMIL redirect to the least-loaded healthy edge for a live stream' })
  async smil(
    @Param('id') playbackId: string,
    @Query(new Zod(SmilQuerySchema, 'query')) q: z.infer<typeof SmilQuerySchema>,
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
