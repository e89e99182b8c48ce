import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';
import { UsageAlertsController } from './usage-alerts.controller';
import { UsageAlertsService } from './usage-alerts.service';
import { UsageMeter } from './usage-meter';

/** Usage (per hour and day), usage alerts, and the meter edges' reports go through (UsageMeter). */
@Module({
  imports: [WebhooksModule],
  controllers: [UsageController, UsageAlertsController],
  providers: [UsageService, UsageMeter, UsageAlertsService],
  exports: [UsageMeter],
})
export class UsageModule {}
