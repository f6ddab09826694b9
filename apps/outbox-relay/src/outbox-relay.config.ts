import { RELAY_DEFAULTS } from '@cqrs-bank/messaging';
import { DATABASE_ROLES } from '@cqrs-bank/event-store';
import { BaseConfig } from '@cqrs-bank/platform';
import { IsInt, Max, Min } from 'class-validator';

/** outbox-relay settings; see README.md for every variable and its default. */
export class OutboxRelayConfig extends BaseConfig {
  override PORT: number = 3003;

  /** Its sessions' Postgres role (SPEC §5): the relay reads and deletes outbox rows, nothing else. */
  override DB_ROLE: string = DATABASE_ROLES.relay;

  /** Most outbox rows read, sent to Kafka and deleted per round. */
  @IsInt()
  @Min(1)
  @Max(50_000)
  OUTBOX_BATCH_SIZE: number = RELAY_DEFAULTS.batchSize;

  /** Longest wait for new rows when no LISTEN/NOTIFY hint arrives. */
  @IsInt()
  @Min(10)
  OUTBOX_POLL_INTERVAL_MS: number = RELAY_DEFAULTS.pollIntervalMs;

  /** How often a standby relay tries to take over the publishing lease. */
  @IsInt()
  @Min(50)
  OUTBOX_LEASE_RETRY_MS: number = RELAY_DEFAULTS.leaseRetryMs;

  /**
   * Worker threads with a Kafka producer each, sharing the partitions
   * (partition p: thread p % n); 0 sends from the main thread. kafkajs's
   * encoding is CPU-bound: threads publish in parallel while the main thread
   * deletes and reads rows.
   */
  @IsInt()
  @Min(0)
  @Max(16)
  OUTBOX_SENDER_THREADS: number = 1;

  /** Partitions of the topics the relay creates at start-up. */
  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS: number = RELAY_DEFAULTS.topicPartitions;

  /** Replication factor of the topics the relay creates (1 locally, 3 in production). */
  @IsInt()
  @Min(1)
  KAFKA_TOPIC_REPLICATION: number = RELAY_DEFAULTS.topicReplication;
}
