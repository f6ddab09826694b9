import { Injectable } from '@nestjs/common';
import {
  TRANSFER_EVENT_SCHEMA_VERSIONS,
  TRANSFER_STREAM_TYPE,
  evolveTransfer,
  initialTransferState,
  parseTransferEvent,
  transferStreamId,
  type TransferEvent,
  type TransferState,
} from '@cqrs-bank/banking';
import {
  PostgresEventStore,
  type EventMetadata,
  type IdempotencyRecord,
  type NewEvent,
} from '@cqrs-bank/event-store';
import { randomUUID } from 'node:crypto';
import { transferPublicMessages } from './transfer-public-messages.js';

/** Loads and saves transfer streams (the process manager's state) through the event store. */
@Injectable()
export class TransferRepository {
  constructor(private readonly store: PostgresEventStore) {}

  load(transferId: string): Promise<TransferState> {
    return this.store.foldStream<TransferState>(transferStreamId(transferId), {
      initial: initialTransferState,
      fromSnapshot: () => {
        throw new Error('transfer streams have no snapshots');
      },
      apply: (state, event) => evolveTransfer(state, parseTransferEvent(event)),
    });
  }

  /** Appends `events` decided on `state`, with their public messages; rejects with ConcurrencyError or IdempotencyKeyTaken. */
  async save(
    state: TransferState,
    events: TransferEvent[],
    metadata: EventMetadata,
    idempotency?: IdempotencyRecord,
  ): Promise<TransferState> {
    const after = events.reduce(evolveTransfer, state);
    if (after.status === 'none') throw new Error('a transfer stream cannot end up without TransferRequested');
    const newEvents: NewEvent[] = events.map((e) => ({
      eventId: randomUUID(),
      type: e.type,
      schemaVersion: TRANSFER_EVENT_SCHEMA_VERSIONS[e.type],
      data: e.data,
      metadata,
    }));
    await this.store.append({
      streamId: transferStreamId(after.transferId),
      streamType: TRANSFER_STREAM_TYPE,
      expectedVersion: state.version,
      events: newEvents,
      outbox: transferPublicMessages(state, events, newEvents, new Date().toISOString()),
      idempotency,
    });
    return after;
  }
}
