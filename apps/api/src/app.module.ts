import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from '@tributary/service-kit';
import { CONFIG, LOGGER } from './app.tokens';
import { AuthGuard } from './common/auth/auth.guard';
import { Authenticator } from './common/auth/authenticator';
import { SecretBox } from './common/crypto/secret-box';
import { BodyParserMiddleware } from './common/http/body-parser.middleware';
import { AppExceptionFilter } from './common/http/exception.filter';
import { IdempotencyInterceptor } from './common/http/idempotency.interceptor';
import { Lifecycle } from './common/http/lifecycle';
import { RequestContextMiddleware } from './common/http/request-context.middleware';
import { RateLimiter } from './common/rate-limiter';
import type { ApiConfig } from './config';
import { Database } from './database/database';
import { FEATURE_MODULES } from './modules';

export interface AppDeps {
  config: ApiConfig;
  logger: Logger;
  db: Database;
  secrets: SecretBox;
  lifecycle: Lifecycle;
}

/** Values built before Nest starts, plus the cross-cutting pieces every feature uses. */
@Module({})
class CoreModule {
  static register(deps: AppDeps): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: Database, useValue: deps.db },
        { provide: SecretBox, useValue: deps.secrets },
        { provide: Lifecycle, useValue: deps.lifecycle },
        RateLimiter,
        Authenticator,
      ],
      exports: [CONFIG, LOGGER, Database, SecretBox, Lifecycle, RateLimiter, Authenticator],
    };
  }
}

@Module({})
export class AppModule implements NestModule {
  static register(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.register(deps), ...FEATURE_MODULES],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        RequestContextMiddleware,
        BodyParserMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware, BodyParserMiddleware).forRoutes('*path');
  }
}
