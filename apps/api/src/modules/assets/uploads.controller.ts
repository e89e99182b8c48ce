import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Inject, Options, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Access } from '../../common/auth/access.decorator';
import { TusUploads } from './tus-uploads';

/**
 * Resumable uploads, the tus 1.0.0 protocol under /v1/assets/uploads (tus-uploads.ts): POST creates
 * (Upload-Length ≤ ASSET_MAX_UPLOAD_BYTES, Upload-Metadata name/filename/playbackPolicy), HEAD answers
 * the offset, PATCH appends at it, DELETE terminates. With the tenant's API key like the rest of /v1.
 * GET is refused: an upload's bytes are never served (a finished one is an asset).
 */
@ApiExcludeController()
@Controller('v1/assets/uploads')
export class UploadsController {
  constructor(@Inject(TusUploads) private readonly tus: TusUploads) {}

  /** The protocol's discovery (versions, extensions, max size) and CORS preflights: nothing tenant-owned. */
  @Options()
  @Access('public')
  discover(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @Options(':id')
  @Access('public')
  preflight(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }

  @All()
  @Access('tenant:write')
  create(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.pass(req, res);
  }

  @All(':id')
  @Access('tenant:write')
  upload(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
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
