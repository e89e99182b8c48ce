import { Module } from '@nestjs/common';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AssetsModule } from './assets/assets.module';
import { AuthModule } from './auth/auth.module';
import { EdgeApiModule } from './edge-api/edge-api.module';
import { EdgesModule } from './edges/edges.module';
import { HealthController } from './health/health.controller';
import { LiveEventsModule } from './live-events/live-events.module';
import { LiveStreamsModule } from './live-streams/live-streams.module';
import { MembersModule } from './members/members.module';
import { PlaybackModule } from './playback/playback.module';
import { PublishAuthModule } from './publish-auth/publish-auth.module';
import { SessionsModule } from './sessions/sessions.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsageModule } from './usage/usage.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({ controllers: [HealthController] })
class HealthModule {}

/** Every feature module of the api. */
export const FEATURE_MODULES = [
  HealthModule,
  AuthModule,
  TenantsModule,
  EdgesModule,
  ApiKeysModule,
  LiveStreamsModule,
  LiveEventsModule,
  AssetsModule,
  PlaybackModule,
  PublishAuthModule,
  SessionsModule,
  UsageModule,
  EdgeApiModule,
  WebhooksModule,
  MembersModule,
];
