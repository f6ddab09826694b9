/** Who and what caused an event (SPEC §6). */
export interface EventMetadata {
  correlationId: string;
  causationId: string;
  actor: string;
  idempotencyKey?: string;
  [extra: string]: unknown;
}

/** An event about to be appended; the store assigns stream, version and position. */
export interface NewEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/** An event as stored and read back (after upcasting). */
export interface StoredEvent {
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  globalPosition: bigint;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recordedAt: Date;
  /** The writing transaction's id (xid8), as a decimal string. */
  txId: string;
}

/** A message for Kafka, written to the outbox in the same transaction as its event. */
export interface OutboxMessage {
  topic: string;
  key: string;
  eventId: string;
  headers: Record<string, string>;
  payload: unknown;
}

export interface SnapshotRecord {
  version: number;
  schemaVersion: number;
  state: Record<string, unknown>;
}

/** The first answer to an idempotent request, stored with the command's events. */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  statusCode: number;
  response: unknown;
}

export interface AppendRequest {
  streamId: string;
  streamType: string;
  /** The stream's version the decision was based on (0 for a new stream). */
  expectedVersion: number;
  events: NewEvent[];
  /** Further messages (e.g. public integration events). Internal-topic messages for every event are added by the store. */
  outbox?: OutboxMessage[];
  snapshot?: SnapshotRecord;
  idempotency?: IdempotencyRecord;
  /**
   * Crypto-shredding (SPEC §8): destroy this owner's data key in the same
   * transaction as the events (which record the erasure). Idempotent; an owner
   * without a key is left with a tombstone, so no key is created for it later.
   */
  erasePersonalDataOf?: string;
}

export interface AppendResult {
  streamId: string;
  /** Version of the last appended event. */
  version: number;
  globalPositions: bigint[];
}

/** A position in the gap-safe global order: (writing transaction id, global position). */
export interface GlobalCheckpoint {
  txId: string;
  position: bigint;
}

export const START_OF_LOG: GlobalCheckpoint = { txId: '0', position: 0n };

/** How `foldStream` turns a stream into a state. */
export interface StreamFolder<S> {
  initial(): S;
  fromSnapshot(state: Record<string, unknown>, version: number): S;
  apply(state: S, event: { type: string; data: Record<string, unknown>; version: number }): S;
}
