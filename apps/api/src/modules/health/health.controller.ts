import { Controller, Inject } from '@nestjs/common';
import { type Health, routes } from '@tributary/contracts';
import { AppError, ErrorCode } from '../../common/errors';
import { Lifecycle } from '../../common/http/lifecycle';
import { Route } from '../../common/http/route.decorator';
import { Database } from '../../database/database';
import { API_VERSION } from '../../version';

@Controller()
export class HealthController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Route(routes.health.liveness)
  health(): Health {
    return { status: 'ok', version: API_VERSION };
  }

  /** Readiness: the database answers and the process is not draining. */
  @Route(routes.health.readiness)
  async ready(): Promise<Health> {
    if (this.lifecycle.draining) throw new AppError(ErrorCode.serviceUnavailable, 'shutting down');
    try {
      await this.db.ping();
    } catch {
      throw new AppError(ErrorCode.serviceUnavailable, 'the database is unavailable');
    }
    return { status: 'ok', version: API_VERSION };
  }
}
