import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({ controllers: [SessionsController], providers: [SessionsService, RetentionService] })
export class SessionsModule {}
