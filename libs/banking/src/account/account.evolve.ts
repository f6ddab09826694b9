import type { AccountEvent } from './account.events.js';
import { initialAccountState, type AccountState } from './account.state.js';

/**
 * Applies one event. Trusts its input (events are facts already decided; parse
 * stored ones with `parseAccountEvent`). The balance is the running sum of
 * amounts; `balanceAfter` is a convenience for readers and is not consulted.
 */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  const version = state.version + 1;
  switch (event.type) {
    case 'AccountOpened': {
      const { accountId, ownerId, currency, initialDeposit } = event.data;
      return { status: 'open', accountId, ownerId, currency, balance: BigInt(initialDeposit), version };
    }
    case 'MoneyDeposited':
      return { ...state, balance: state.balance + BigInt(event.data.amount), version };
    case 'MoneyWithdrawn':
      return { ...state, balance: state.balance - BigInt(event.data.amount), version };
    case 'AccountClosed':
      return state.status === 'none' ? { ...state, version } : { ...state, status: 'closed', version };
    default:
      return unknownEvent(event);
  }
}

/** Folds events over `from` (the initial state, or a snapshot's state followed by its tail). */
export function foldAccount(
  events: Iterable<AccountEvent>,
  from: AccountState = initialAccountState(),
): AccountState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}

function unknownEvent(event: never): never {
  throw new TypeError(`unknown account event type ${JSON.stringify((event as { type?: unknown }).type)}`);
}
