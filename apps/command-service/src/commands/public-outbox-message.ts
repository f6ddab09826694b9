import {
  PUBLIC_EVENT_TYPES,
  TOPICS,
  cloudEventHeaders,
  publicEventKey,
  type PublicEventName,
  type PublicEventPayloads,
} from '@cqrs-bank/contracts';
import type { NewEvent, OutboxMessage } from '@cqrs-bank/event-store';

/** One public event: its name and a payload of exactly that event's type. */
export type PublicEvent = {
  [N in PublicEventName]: { name: N; payload: PublicEventPayloads[N] };
}[PublicEventName];

/**
 * The outbox row of a public integration event (SPEC §7): on the public topic,
 * keyed by the contract's key field, as a CloudEvent in binary mode whose
 * `ce_id` is the id of the stored event it reports.
 */
export function publicOutboxMessage(
  message: PublicEvent,
  stored: NewEvent,
  occurredAt: string,
): OutboxMessage {
  const key = publicEventKey<PublicEventName>(message.name, message.payload);
  return {
    topic: TOPICS.accountEvents,
    key,
    eventId: stored.eventId,
    headers: cloudEventHeaders({
      id: stored.eventId,
      type: PUBLIC_EVENT_TYPES[message.name],
      subject: key,
      time: occurredAt,
      correlationId: stored.metadata.correlationId,
    }),
    payload: message.payload,
  };
}
