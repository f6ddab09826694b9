import { evolve, toJsonAmount, type AccountEvent, type AccountState } from '@cqrs-bank/banking';
import type { NewEvent, OutboxMessage } from '@cqrs-bank/event-store';
import { publicOutboxMessage, type PublicEvent } from '../commands/public-outbox-message.js';

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
    const message = ((): PublicEvent => {
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
    messages.push(publicOutboxMessage(message, stored[i], occurredAt));
  });
  return messages;
}

function transfer(transferId: string | undefined): { transferId?: string } {
  return transferId ? { transferId } : {};
}
