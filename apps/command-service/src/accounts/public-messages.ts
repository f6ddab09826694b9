import { evolve, toJsonAmount, type AccountEvent, type AccountState } from '@cqrs-bank/banking';
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
type Public = { [N in PublicEventName]: { name: N; payload: PublicEventPayloads[N] } }[PublicEventName];

/**
 * The public integration events (SPEC §7) for newly decided account events:
 * amounts with their currency, the account's version and balance after each
 * event, and no personal data (the owner's name never leaves the service).
 */
export function publicMessages(
  before: AccountState,
  events: AccountEvent[],
  stored: NewEvent[],
  occurredAt: string,
): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  let state = before;
  events.forEach((event, i) => {
    state = evolve(state, event);
    if (state.status === 'none') return;
    const common = { accountId: state.accountId, accountVersion: state.version, occurredAt };
    const balanceAfter = toJsonAmount(state.balance);
    const message = ((): Public => {
      switch (event.type) {
        case 'AccountOpened':
          return {
            name: 'AccountOpened',
            payload: {
              ...common,
              currency: state.currency,
              initialDeposit: event.data.initialDeposit,
              balanceAfter,
            },
          };
        case 'MoneyDeposited':
          return {
            name: 'FundsDeposited',
            payload: {
              ...common,
              amount: event.data.amount,
              currency: state.currency,
              balanceAfter,
              ...transfer(event.data.transferId),
            },
          };
        case 'MoneyWithdrawn':
          return {
            name: 'FundsWithdrawn',
            payload: {
              ...common,
              amount: event.data.amount,
              currency: state.currency,
              balanceAfter,
              ...transfer(event.data.transferId),
            },
          };
        case 'AccountClosed':
          return { name: 'AccountClosed', payload: { ...common, balanceAfter } };
      }
    })();
    const key = publicEventKey<PublicEventName>(message.name, message.payload);
    messages.push({
      topic: TOPICS.accountEvents,
      key,
      eventId: stored[i].eventId,
      headers: cloudEventHeaders({
        id: stored[i].eventId,
        type: PUBLIC_EVENT_TYPES[message.name],
        subject: key,
        time: occurredAt,
        correlationId: stored[i].metadata.correlationId,
      }),
      payload: message.payload,
    });
  });
  return messages;
}

function transfer(transferId: string | undefined): { transferId?: string } {
  return transferId ? { transferId } : {};
}
