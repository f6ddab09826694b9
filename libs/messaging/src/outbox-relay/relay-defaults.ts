import { TOPICS } from '@cqrs-bank/contracts';
import type { OutboxRelayOptions } from './outbox-relay.js';

/** The relay's defaults: the outbox-relay app's config starts from them, an embedded relay uses them. */
export const RELAY_DEFAULTS = {
  batchSize: 2000,
  pollIntervalMs: 1000,
  leaseRetryMs: 1000,
  topicPartitions: 12,
  topicReplication: 1,
  /**
   * The embedded relay (command-service) sends from its own thread; the
   * outbox-relay app's OUTBOX_SENDER_THREADS defaults to 1.
   */
  senderThreads: 0,
} as const;

/** Relay options publishing every topic of the contract, created with these partitions and replicas. */
export function relayOptions(settings: {
  batchSize: number;
  pollIntervalMs: number;
  leaseRetryMs: number;
  topicPartitions: number;
  topicReplication: number;
  senderThreads: number;
}): OutboxRelayOptions {
  return {
    batchSize: settings.batchSize,
    pollIntervalMs: settings.pollIntervalMs,
    leaseRetryMs: settings.leaseRetryMs,
    senderThreads: settings.senderThreads,
    topics: Object.values(TOPICS).map((name) => ({
      name,
      partitions: settings.topicPartitions,
      replicationFactor: settings.topicReplication,
    })),
  };
}
