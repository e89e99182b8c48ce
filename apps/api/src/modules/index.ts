import { Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';
import { PlaybackModule } from './playback/playback.module';

@Module({ controllers: [HealthController] })
class HealthModule {}

/** Every feature module of the api. */
export const FEATURE_MODULES = [HealthModule, PlaybackModule];
