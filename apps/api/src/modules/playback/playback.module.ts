import { Module } from '@nestjs/common';
import { PlaybackKeys } from './playback-keys.service';

@Module({ providers: [PlaybackKeys], exports: [PlaybackKeys] })
export class PlaybackModule {}
