import {
  ACCOUNT_STREAM_TYPE,
  CorruptDataError,
  CUSTOMER_STREAM_TYPE,
  TRANSFER_STREAM_TYPE,
  parseAccountEvent,
  parseCustomerEvent,
  parseTransferEvent,
  type AccountEvent,
  type CustomerEvent,
  type TransferEvent,
} from '@cqrs-bank/banking';
import type { StoredEvent, UpcasterRegistry } from '@cqrs-bank/event-store';

/** An internal event as the projector applies it: current shape, parsed. */
export interface LedgerEvent {
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  recordedAt: Date;
  /** Set for account streams. */
  account?: AccountEvent;
  /** Set for transfer streams. */
  transfer?: TransferEvent;
  /** Set for customer streams (the erasure of a customer's personal data). */
  customer?: CustomerEvent;
}

/** A message that can never be applied (malformed, unknown type): it goes to the DLQ. */
export class PoisonMessage extends Error {
  override readonly name = 'PoisonMessage';
}

interface InternalMessage {
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  recordedAt: string;
}

function isInternalMessage(v: unknown): v is InternalMessage {
  const m = v as Partial<InternalMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.eventId === 'string' &&
    typeof m.streamId === 'string' &&
    typeof m.streamType === 'string' &&
    Number.isSafeInteger(m.version) &&
    (m.version as number) > 0 &&
    typeof m.type === 'string' &&
    Number.isSafeInteger(m.schemaVersion) &&
    typeof m.data === 'object' &&
    m.data !== null &&
    typeof m.recordedAt === 'string' &&
    !Number.isNaN(Date.parse(m.recordedAt))
  );
}

function toLedgerEvent(
  m: Omit<InternalMessage, 'recordedAt'> & { recordedAt: Date },
  upcasters: UpcasterRegistry,
): LedgerEvent {
  const event: LedgerEvent = {
    eventId: m.eventId,
    streamId: m.streamId,
    streamType: m.streamType,
    version: m.version,
    recordedAt: m.recordedAt,
  };
  if (
    m.streamType !== ACCOUNT_STREAM_TYPE &&
    m.streamType !== TRANSFER_STREAM_TYPE &&
    m.streamType !== CUSTOMER_STREAM_TYPE
  ) {
    return event;
  }
  const { data } = upcasters.upcast(m.type, m.schemaVersion, m.data, m.streamId);
  try {
    // An AccountOpened keeps its owner name sealed here; the batch applier opens it (SPEC §8).
    if (m.streamType === ACCOUNT_STREAM_TYPE) event.account = parseAccountEvent({ type: m.type, data });
    else if (m.streamType === TRANSFER_STREAM_TYPE)
      event.transfer = parseTransferEvent({ type: m.type, data });
    else event.customer = parseCustomerEvent({ type: m.type, data });
  } catch (err) {
    if (err instanceof CorruptDataError) throw new PoisonMessage(err.message);
    throw err;
  }
  return event;
}

/** Parses a message of the internal topic (the full stored event, SPEC §7). */
export function parseLedgerMessage(value: Buffer | null, upcasters: UpcasterRegistry): LedgerEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    throw new PoisonMessage('the message is not JSON');
  }
  if (!isInternalMessage(parsed)) throw new PoisonMessage('the message is not an internal ledger event');
  return toLedgerEvent({ ...parsed, recordedAt: new Date(parsed.recordedAt) }, upcasters);
}

/** The same, for an event read back from the event store (gap catch-up, rebuilds). */
export function fromStoredEvent(e: StoredEvent, upcasters: UpcasterRegistry): LedgerEvent {
  // The store has upcast it already; running the chain again finds nothing to do.
  return toLedgerEvent({ ...e, recordedAt: e.recordedAt }, upcasters);
}
