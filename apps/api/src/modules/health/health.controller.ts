import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access } from '../../common/auth/access.decorator';
import { AppError, ErrorCode } from '../../common/errors';
import { ApiDoc } from '../../common/http/api-doc.decorator';
import { Lifecycle } from '../../common/http/lifecycle';
import { Database } from '../../database/database';
import { API_VERSION } from '../../version';

const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() });

@ApiTags('health')
@Controller()
@Access('public')
export class HealthController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Get('healthz')
  @ApiDoc({ summary: 'Liveness and version', response: HealthSchema })
  health(): z.infer<typeof HealthSchema> {
    return { status: 'ok', version: API_VERSION };
  }

  /** Readiness: the database answers and the process is not draining. */
  @Get('readyz')
  @ApiDoc({ summary: 'Readiness (database reachable)', response: HealthSchema })
  async ready(): Promise<z.infer<typeof HealthSchema>> {
    if (this.lifecycle.draining) throw new AppError(ErrorCode.serviceUnavailable, 'shutting down');
    try {
      await this.db.ping();
    } catch {
      throw new AppError(ErrorCode.serviceUnavailable, 'the database is unavailable');
    }
    return { status: 'ok', version: API_VERSION };
  }
}
