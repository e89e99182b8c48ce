import type { IncomingMessage } from 'node:http';
import { Controller, Inject, Query, Req } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { principalOf } from '../../common/request-context';
import type { ApiConfig } from '../../config';
import { AssetsService } from './assets.service';

const r = routes.edgeApi.uploadRecording;

/** The edge contract's recording hand-over (contracts/edge-api.ts RecordingUploadQuery). */
@Controller()
export class RecordingsController {
  constructor(
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Route(r)
  async upload(@Query(new Zod(r.query, 'query')) q: z.output<typeof r.query>, @Req() req: IncomingMessage) {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.config.ASSET_MAX_RECORDING_BYTES)
      throw new AppError(
        ErrorCode.payloadTooLarge,
        `the recording is larger than ${this.config.ASSET_MAX_RECORDING_BYTES} bytes`,
      );
    return this.assets.createRecording(principalOf('edge').edgeId, q, q.failed ? undefined : req);
  }
}
