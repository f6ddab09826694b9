import { CorruptDataError } from '../errors.js';
import { currencyCode, id, int, str, type Fields } from '../event-fields.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../money.js';
import type { AccountEvent } from './account.events.js';

/**
 * Turns a stored (already upcast and decrypted) event into a typed AccountEvent,
 * checking every field the fold relies on. Unknown fields are dropped. Throws
 * CorruptDataError for an unknown type or a malformed payload.
 *
 * The currency is checked for shape only: a code withdrawn from ISO 4217 after
 * the account was opened must not make the account unreadable.
 */
export function parseAccountEvent(event: { type: string; data: unknown }): AccountEvent {
  const { type, data } = event;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptDataError(`${type} event data is not an object`);
  }
  const d = data as Fields;
  switch (type) {
    case 'AccountOpened':
      return {
        type,
        data: {
          accountId: id(d, type, 'accountId'),
          ownerId: id(d, type, 'ownerId'),
          ownerName: str(d, type, 'ownerName'),
          currency: currencyCode(d, type),
          initialDeposit: int(d, type, 'initialDeposit', 0, MAX_AMOUNT),
        },
      };
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
      return {
        type,
        data: {
          accountId: id(d, type, 'accountId'),
          amount: int(d, type, 'amount', 1, MAX_AMOUNT),
          balanceAfter: int(d, type, 'balanceAfter', 0, MAX_BALANCE),
          ...(d.transferId === undefined ? {} : { transferId: id(d, type, 'transferId') }),
        },
      };
    case 'AccountClosed':
      return { type, data: { accountId: id(d, type, 'accountId') } };
    default:
      throw new CorruptDataError(`unknown account event type ${JSON.stringify(type)}`);
  }
}
