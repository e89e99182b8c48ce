import { Module } from '@nestjs/common';
import { ControlFeed } from './control-feed.service';

/** One ControlFeed per api instance: every writer and the edge contract's long-polls share it. */
@Module({ providers: [ControlFeed], exports: [ControlFeed] })
export class ControlFeedModule {}
