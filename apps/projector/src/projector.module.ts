import { Module } from '@nestjs/common';
import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { EventStoreModule, migrations } from '@cqrs-bank/event-store';
import { KafkaModule, KafkaReadiness } from '@cqrs-bank/messaging';
import { PlatformModule } from '@cqrs-bank/platform';
import { LedgerConsumer } from './ledger/ledger-consumer.js';
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
    // Read-only use: gap catch-up reads account streams.
    EventStoreModule.forRoot({
      internalTopic: TOPICS.ledgerInternal,
      upcasters: (registry) => {
        for (const u of ACCOUNT_UPCASTERS) registry.register(u.type, u.fromVersion, u.upcast);
      },
      personalData: PERSONAL_DATA_FIELDS,
      // Each batch's transaction: BEGIN with its first read, its write with COMMIT (PipelinedTransaction).
      pipeline: true,
    }),
  ],
  providers: [LedgerConsumer],
})
export class ProjectorModule {}
