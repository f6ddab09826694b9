export { migrations } from './migrations/index.js';
export { ProjectionCheckpoint } from './projection-checkpoint.entity.js';
export { PostgresEventStore, type EventStoreOptions } from './postgres-event-store.js';
export { UpcasterRegistry, type Upcaster } from './upcasters.js';
export { ConcurrencyError, IdempotencyKeyTaken } from './event-store.errors.js';
export {
  START_OF_LOG,
  type AppendRequest,
  type AppendResult,
  type EventMetadata,
  type GlobalCheckpoint,
  type IdempotencyRecord,
  type NewEvent,
  type OutboxMessage,
  type SnapshotRecord,
  type StoredEvent,
  type StreamFolder,
} from './event-store.types.js';
export {
  EventStoreModule,
  EVENT_STORE_POOL,
  createEventStorePool,
  type EventStoreModuleOptions,
} from './event-store.module.js';
export {
  OutboxStore,
  type OutboxLease,
  type OutboxStats,
  type PendingOutboxMessage,
} from './outbox-store.js';
