import { Module } from '@nestjs/common';
import { ControlFeedModule } from '../control-feed/control-feed.module';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({ imports: [ControlFeedModule], controllers: [TenantsController], providers: [TenantsService] })
export class TenantsModule {}
