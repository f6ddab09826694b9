export { migrations } from './migrations/index.js';
export { DATABASE_ROLES } from './database-roles.js';
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
  createPersonalDataVault,
  type EventStoreModuleOptions,
} from './event-store.module.js';
export {
  OUTBOX_START,
  OutboxStore,
  type OutboxLease,
  type OutboxRead,
  type OutboxStats,
  type PendingOutboxMessage,
} from './outbox-store.js';
export {
  PersonalDataVault,
  PersonalDataErased,
  ERASED,
  type PersonalDataField,
  type Queryable,
} from './personal-data/personal-data-vault.js';
export {
  SEALED_PREFIX,
  PersonalDataUnreadable,
  isSealed,
  parseSealed,
  seal,
  open,
  newDataKey,
  wrapKey,
  unwrapKey,
  type SealedValue,
} from './personal-data/personal-data-cipher.js';
export {
  DEV_PERSONAL_DATA_MASTER_KEY,
  PersonalDataConfigError,
  resolveMasterKey,
  type MasterKeySource,
} from './personal-data/master-key.js';
