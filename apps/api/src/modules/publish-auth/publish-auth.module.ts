import { Module } from '@nestjs/common';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { EdgePublishAuthController, PublishCredentialsController } from './publish-auth.controller';
import { PublishAuthService } from './publish-auth.service';

@Module({
  imports: [ControlFeedModule],
  controllers: [PublishCredentialsController, EdgePublishAuthController],
  providers: [PublishAuthService],
})
export class PublishAuthModule {}
