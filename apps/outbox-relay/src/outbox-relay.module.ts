import { Module } from '@nestjs/common';
import { migrations } from '@cqrs-bank/event-store';
import { KafkaModule, KafkaReadiness, OutboxPublishingModule, relayOptions } from '@cqrs-bank/messaging';
import { PlatformModule } from '@cqrs-bank/platform';
import { OutboxRelayConfig } from './outbox-relay.config.js';

/** Publishes committed outbox rows to Kafka, in order per account. */
@Module({
  imports: [
    PlatformModule.forRoot({
      app: 'outbox-relay',
      config: OutboxRelayConfig,
      migrations,
      readiness: [KafkaReadiness],
    }),
    KafkaModule.forRoot(),
    OutboxPublishingModule.forRoot({
      settings: (config) => {
        const c = config as OutboxRelayConfig;
        return relayOptions({
          batchSize: c.OUTBOX_BATCH_SIZE,
          pollIntervalMs: c.OUTBOX_POLL_INTERVAL_MS,
          leaseRetryMs: c.OUTBOX_LEASE_RETRY_MS,
          topicPartitions: c.KAFKA_TOPIC_PARTITIONS,
          topicReplication: c.KAFKA_TOPIC_REPLICATION,
          senderThreads: c.OUTBOX_SENDER_THREADS,
        });
      },
    }),
  ],
})
export class OutboxRelayModule {}
