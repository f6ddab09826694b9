import { Module } from '@nestjs/common';
import { KafkaModule, KafkaReadiness } from '@cqrs-bank/messaging';
import { migrations } from '@cqrs-bank/event-store';
import { PlatformModule } from '@cqrs-bank/platform';
import { ProjectorConfig } from './projector.config.js';

/** Consumes the internal topic and keeps the Postgres read models. */
@Module({
  imports: [
    PlatformModule.forRoot({
      app: 'projector',
      config: ProjectorConfig,
      migrations,
      readiness: [KafkaReadiness],
    }),
    KafkaModule.forRoot(),
  ],
})
export class ProjectorModule {}
