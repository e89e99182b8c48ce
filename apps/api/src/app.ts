import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from '@tributary/service-kit';
import { AppModule } from './app.module';
import { SecretBox } from './common/crypto/secret-box';
import { loadSecretsKey } from './common/crypto/secrets-key';
import { Lifecycle } from './common/http/lifecycle';
import { NestPinoLogger } from './common/nest-logger';
import { RateLimiter } from './common/rate-limiter';
import { type ApiConfig, pgliteDataDir } from './config';
import { type Database, openDatabase } from './database/database';
import {
  EMBEDDED_POOL_MAX,
  type EmbeddedPostgres,
  startEmbeddedPostgres,
} from './database/embedded-postgres';
import { bootstrapOperator } from './modules/auth/bootstrap-operator';
import { PlaybackKeys } from './modules/playback/playback-keys.service';
import { API_VERSION } from './version';

/** How often finished rate-limit windows and old idempotency records are pruned. */
const MAINTENANCE_INTERVAL_MS = 60_000;
/** While draining, idle keep-alive sockets are closed this often so the server can finish closing. */
const DRAIN_POLL_MS = 100;

export interface RunningApi {
  url: string;
  port: number;
  app: INestApplication;
  db: Database;
  /** Drains: new requests 503, in-flight ones finish; then closes the database (and PGlite). */
  close(): Promise<void>;
}

export class StartupError extends Error {
  constructor(
    readonly setting: string,
    override readonly cause: unknown,
  ) {
    super(`startup failed (${setting})`);
  }
}

/** Starts the database (embedded when DATABASE_URL is unset), migrates, and serves HTTP. */
export async function startApi(config: ApiConfig, logger: Logger): Promise<RunningApi> {
  let embedded: EmbeddedPostgres | undefined;
  let db: Database | undefined;
  try {
    let url = config.DATABASE_URL;
    if (!url) {
      const dataDir = pgliteDataDir(config);
      embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT }).catch((err) => {
        throw new StartupError('EMBEDDED_PG_PORT', err);
      });
      logger.info({ dataDir, url: embedded.url }, 'embedded Postgres (PGlite) started');
      url = embedded.url;
    }
    db = await openDatabase(url, embedded ? EMBEDDED_POOL_MAX : config.DATABASE_POOL_MAX, logger).catch(
      (err) => {
        throw err instanceof StartupError ? err : new StartupError('DATABASE_URL', err);
      },
    );
    const secrets = new SecretBox(loadSecretsKey(config, logger));
    await bootstrapOperator(db, config, logger);
    const lifecycle = new Lifecycle();

    const app = await NestFactory.create(AppModule.register({ config, logger, db, secrets, lifecycle }), {
      bodyParser: false,
      logger: new NestPinoLogger(logger),
    });
    if (config.CORS_ORIGINS.length > 0) app.enableCors({ origin: config.CORS_ORIGINS, credentials: true });
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Tributary API')
        .setDescription(
          'Multi-tenant live streaming control plane. Errors: { error: { code, message, details?, requestId } }.',
        )
        .setVersion(API_VERSION)
        .addBearerAuth({
          type: 'http',
          scheme: 'bearer',
          description: 'API key (tk_live_…) or edge credential',
        })
        .addCookieAuth('tributary_session')
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json' });
    await app.get(PlaybackKeys).ensurePlatformKey();

    await app.listen(config.API_PORT, config.API_HOST).catch((err) => {
      throw new StartupError('API_PORT', err);
    });
    const server = app.getHttpServer() as Server;
    const port = (server.address() as AddressInfo).port;
    const rateLimiter = app.get(RateLimiter);
    const maintenance = setInterval(() => {
      rateLimiter.prune().catch((err: Error) => logger.warn({ err: err.message }, 'maintenance failed'));
    }, MAINTENANCE_INTERVAL_MS);
    maintenance.unref();

    const openedDb = db;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${port}`,
      port,
      app,
      db,
      close: () => {
        closing ??= (async () => {
          lifecycle.draining = true;
          clearInterval(maintenance);
          const poll = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
          try {
            await app.close();
          } finally {
            clearInterval(poll);
            await openedDb.close();
            await embedded?.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    throw err;
  }
}
