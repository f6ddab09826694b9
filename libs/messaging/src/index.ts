export { KAFKA, KafkaModule, KafkaReadiness, createKafka } from './kafka.module.js';
export {
  OutboxRelay,
  type OutboxRelayObserver,
  type OutboxRelayOptions,
  type RelayTopic,
} from './outbox-relay/outbox-relay.js';
export {
  OutboxPublishingModule,
  OutboxRelayService,
  RelayKafkaReadiness,
  type OutboxPublishingOptions,
} from './outbox-relay/outbox-publishing.module.js';
export { RELAY_DEFAULTS, relayOptions } from './outbox-relay/relay-defaults.js';
export { fetchTopicWatermarks, type TopicPartitionOffsets } from './topic-offsets.js';
export { messageTraceContext, startConsumerSpan, type ConsumedMessage } from './kafka-tracing.js';
export { BatchesInFlight, ThrottledOffsetCommits } from './offset-commits.js';
