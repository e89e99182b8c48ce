import type { IncomingMessage } from 'node:http';
import { Controller, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  EdgeApiPaths,
  RecordingUploadQuerySchema,
  RecordingUploadResponseSchema,
} from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { Access } from '../../common/auth/access.decorator';
import { AppError, ErrorCode } from '../../common/errors';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Zod } from '../../common/http/validation';
import { principalOf } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AssetsService } from './assets.service';

/** The edge contract's recording hand-over (contracts/edge-api.ts RecordingUploadQuery). */
@ApiTags('edge contract')
@Controller()
@Access('edge')
export class RecordingsController {
  constructor(
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post(EdgeApiPaths.recordings)
  @HttpCode(201)
  @ApiDoc({
    summary: "A live session's recording (FLV body) becomes an asset of the stream's tenant",
    response: RecordingUploadResponseSchema,
    status: 201,
  })
  async upload(
    @Query(new Zod(RecordingUploadQuerySchema, 'query')) q: z.infer<typeof RecordingUploadQuerySchema>,
    @Req() req: IncomingMessage,
  ) {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.config.ASSET_MAX_RECORDING_BYTES)
      throw new AppError(
        ErrorCode.payloadTooLarge,
        `the recording is larger than ${this.config.ASSET_MAX_RECORDING_BYTES} bytes`,
      );
    return this.assets.createRecording(principalOf('edge').edgeId, q, q.failed ? undefined : req);
  }
}
