import { Module } from '@nestjs/common';
import { EdgesModule } from '../edges/edges.module';
import { LiveStreamsController } from './live-streams.controller';
import { LiveStreamsService } from './live-streams.service';

@Module({ imports: [EdgesModule], controllers: [LiveStreamsController], providers: [LiveStreamsService] })
export class LiveStreamsModule {}
