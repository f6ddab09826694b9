import { evolve, type AccountEvent, type AccountState } from '@cqrs-bank/banking';
import {
  PUBLIC_EVENT_TYPES,
  TOPICS,
  cloudEventHeaders,
  type PublicEventPayloads,
} from '@cqrs-bank/contracts';
import type { NewEvent, OutboxMessage } from '@cqrs-bank/event-store';

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
    const balanceAfter = Number(state.balance);
    let name: keyof PublicEventPayloads;
    let payload: PublicEventPayloads[keyof PublicEventPayloads];
    switch (event.type) {
      case 'AccountOpened':
        name = 'AccountOpened';
        payload = {
          ...common,
          currency: state.currency,
          initialDeposit: event.data.initialDeposit,
          balanceAfter,
        };
        break;
      case 'MoneyDeposited':
        name = 'FundsDeposited';
        payload = {
          ...common,
          amount: event.data.amount,
          currency: state.currency,
          balanceAfter,
          ...transfer(event.data.transferId),
        };
        break;
      case 'MoneyWithdrawn':
        name = 'FundsWithdrawn';
        payload = {
          ...common,
          amount: event.data.amount,
          currency: state.currency,
          balanceAfter,
          ...transfer(event.data.transferId),
        };
        break;
      case 'AccountClosed':
        name = 'AccountClosed';
        payload = { ...common, balanceAfter };
        break;
    }
    messages.push({
      topic: TOPICS.accountEvents,
      key: state.accountId,
      eventId: stored[i].eventId,
      headers: cloudEventHeaders({
        id: stored[i].eventId,
        type: PUBLIC_EVENT_TYPES[name],
        subject: state.accountId,
        time: occurredAt,
        correlationId: stored[i].metadata.correlationId,
      }),
      payload,
    });
  });
  return messages;
}

function transfer(transferId: string | undefined): { transferId?: string } {
  return transferId ? { transferId } : {};
}
