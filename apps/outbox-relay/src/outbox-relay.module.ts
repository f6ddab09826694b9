import { Module } from '@nestjs/common';
import { KafkaModule, KafkaReadiness } from '@cqrs-bank/messaging';
import { PlatformModule } from '@cqrs-bank/platform';
import { OutboxRelayConfig } from './outbox-relay.config.js';

/** Publishes committed outbox rows to Kafka, in order per account. */
@Module({
  imports: [
    PlatformModule.forRoot({ app: 'outbox-relay', config: OutboxRelayConfig, readiness: [KafkaReadiness] }),
    KafkaModule.forRoot(),
  ],
})
export class OutboxRelayModule {}
