import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { EventStoreModule, migrations } from '@cqrs-bank/event-store';
import {
  KafkaModule,
  OutboxPublishingModule,
  RELAY_DEFAULTS,
  RelayKafkaReadiness,
  relayOptions,
} from '@cqrs-bank/messaging';
import { AuthModule, PlatformModule, RateLimitModule } from '@cqrs-bank/platform';
import { AccountsModule } from './accounts/accounts.module.js';
import { CustomersModule } from './customers/customers.module.js';
import { CommandServiceConfig } from './command-service.config.js';
import { IdempotencyRetention } from './commands/idempotency-retention.js';
import { TransfersModule } from './transfers/transfers.module.js';

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
    RateLimitModule,
    AuthModule,
    EventStoreModule.forRoot({
      internalTopic: TOPICS.ledgerInternal,
      upcasters: (registry) => {
        for (const u of ACCOUNT_UPCASTERS) registry.register(u.type, u.fromVersion, u.upcast);
      },
      personalData: PERSONAL_DATA_FIELDS,
      tuning: (config) => {
        const { EVENT_STORE_BATCH_SIZE, EVENT_STORE_CONCURRENT_COMMITS } = config as CommandServiceConfig;
        return { maxBatchSize: EVENT_STORE_BATCH_SIZE, maxConcurrentCommits: EVENT_STORE_CONCURRENT_COMMITS };
      },
    }),
    CqrsModule.forRoot(),
    AccountsModule,
    TransfersModule,
    CustomersModule,
  ],
  providers: [IdempotencyRetention],
})
export class CommandServiceModule {}
