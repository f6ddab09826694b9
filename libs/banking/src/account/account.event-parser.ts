import { CorruptDataError } from '../errors.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../money.js';
import type { AccountEvent } from './account.events.js';

type Fields = Record<string, unknown>;

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

function str(d: Fields, type: string, field: string): string {
  const value = d[field];
  if (typeof value !== 'string') throw new CorruptDataError(`${type}.${field} is not a string`);
  return value;
}

function id(d: Fields, type: string, field: string): string {
  const value = str(d, type, field);
  if (value.length === 0) throw new CorruptDataError(`${type}.${field} is empty`);
  return value;
}

function currencyCode(d: Fields, type: string): string {
  const value = str(d, type, 'currency');
  if (!/^[A-Z]{3}$/.test(value)) throw new CorruptDataError(`${type}.currency is not a currency code`);
  return value;
}

function int(d: Fields, type: string, field: string, min: number, max: bigint): number {
  const value = d[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || BigInt(value) > max) {
    throw new CorruptDataError(`${type}.${field} is not an integer in ${min}..${max}`);
  }
  return value;
}
