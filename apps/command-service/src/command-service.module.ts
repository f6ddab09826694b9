import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ACCOUNT_UPCASTERS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { EventStoreModule, migrations } from '@cqrs-bank/event-store';
import {
  KafkaModule,
  OutboxPublishingModule,
  RELAY_DEFAULTS,
  RelayKafkaReadiness,
  relayOptions,
} from '@cqrs-bank/messaging';
import { AuthModule, PlatformModule } from '@cqrs-bank/platform';
import { AccountsModule } from './accounts/accounts.module.js';
import { CommandServiceConfig } from './command-service.config.js';
import { IdempotencyRetention } from './commands/idempotency-retention.js';

/** REST commands → CommandHandlers → aggregates → one Postgres transaction. */
@Module({
  imports: [
    PlatformModule.forRoot({
      app: 'command-service',
      config: CommandServiceConfig,
      migrations,
      readiness: [RelayKafkaReadiness],
    }),
    KafkaModule.forRoot(),
    OutboxPublishingModule.forRoot({
      settings: (config) =>
        (config as CommandServiceConfig).OUTBOX_RELAY === 'embedded'
          ? relayOptions(RELAY_DEFAULTS)
          : undefined,
    }),
    AuthModule,
    EventStoreModule.forRoot({
      internalTopic: TOPICS.ledgerInternal,
      upcasters: (registry) => {
        for (const u of ACCOUNT_UPCASTERS) registry.register(u.type, u.fromVersion, u.upcast);
      },
      tuning: (config) => {
        const { EVENT_STORE_BATCH_SIZE, EVENT_STORE_CONCURRENT_COMMITS } = config as CommandServiceConfig;
        return { maxBatchSize: EVENT_STORE_BATCH_SIZE, maxConcurrentCommits: EVENT_STORE_CONCURRENT_COMMITS };
      },
    }),
    CqrsModule.forRoot(),
    AccountsModule,
  ],
  providers: [IdempotencyRetention],
})
export class CommandServiceModule {}
