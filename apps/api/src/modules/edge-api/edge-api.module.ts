import { Module } from '@nestjs/common';
import { PlaybackModule } from '../playback/playback.module';
import { EdgeApiController } from './edge-api.controller';
import { EdgeApiService } from './edge-api.service';

@Module({ imports: [PlaybackModule], controllers: [EdgeApiController], providers: [EdgeApiService] })
export class EdgeApiModule {}
