import { Module } from '@nestjs/common';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { EdgesModule } from '../edges/edges.module';
import { PlaybackTokensController, SigningKeysController } from './playback.controller';
import { PlaybackKeys } from './playback-keys.service';
import { PlaybackTokensService } from './playback-tokens.service';
import { SmilController } from './smil.controller';

@Module({
  imports: [EdgesModule, ControlFeedModule],
  controllers: [PlaybackTokensController, SigningKeysController, SmilController],
  providers: [PlaybackKeys, PlaybackTokensService],
  exports: [PlaybackKeys],
})
export class PlaybackModule {}
