import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import { Route } from '../../common/http/route.decorator';
import { TusUploads } from './tus-uploads';

const r = routes.assetUploads;

/**
 * Resumable uploads, the tus 1.0.0 protocol under /v1/assets/uploads (tus-uploads.ts): POST creates
 * (Upload-Length ≤ ASSET_MAX_UPLOAD_BYTES, Upload-Metadata name/filename/playbackPolicy), HEAD answers
 * the offset, PATCH appends at it, DELETE terminates. With the tenant's API key like the rest of /v1.
 * GET is refused: an upload's bytes are never served (a finished one is an asset). The routes are
 * internal in the table: out of the OpenAPI document and the SDK (tus clients speak the protocol).
 */
@Controller()
export class UploadsController {
  constructor(@Inject(TusUploads) private readonly tus: TusUploads) {}

  /** The protocol's discovery (versions, extensions, max size) and CORS preflights: nothing tenant-owned. */
  @Route(r.discover)
  discover(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Route(r.preflight)
  preflight(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Route(r.create)
  create(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Route(r.offset)
  offset(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Route(r.append)
  append(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Route(r.terminate)
  terminate(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  /** Express also sends HEAD here when no HEAD route matched first: that one is the tus offset. */
  @Route(r.refuseRead)
  refuseRead(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.pass(req, res);
  }

  private async pass(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      res.writeHead(405, { allow: 'POST, HEAD, PATCH, DELETE, OPTIONS', 'content-type': 'text/plain' });
      res.end('an upload is not served; once finished it is an asset (GET /v1/assets/:id)\n');
      return;
    }
    await this.tus.handle(req, res);
  }
}
