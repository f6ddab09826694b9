import { CorruptDataError } from '../errors.js';
import { currencyCode, id, int, type Fields } from '../event-fields.js';
import { MAX_AMOUNT } from '../money.js';
import {
  TRANSFER_FAILURE_REASONS,
  type TransferEvent,
  type TransferFailureReason,
} from './transfer.events.js';

/**
 * Turns a stored transfer event into a typed TransferEvent, checking every
 * field the fold relies on; unknown fields are dropped. Throws CorruptDataError.
 */
export function parseTransferEvent(event: { type: string; data: unknown }): TransferEvent {
  const { type, data } = event;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptDataError(`${type} event data is not an object`);
  }
  const d = data as Fields;
  const transferId = id(d, type, 'transferId');
  switch (type) {
    case 'TransferRequested':
      return {
        type,
        data: {
          transferId,
          fromAccountId: id(d, type, 'fromAccountId'),
          toAccountId: id(d, type, 'toAccountId'),
          amount: int(d, type, 'amount', 1, MAX_AMOUNT),
          currency: currencyCode(d, type),
        },
      };
    case 'TransferDebited':
    case 'TransferCredited':
    case 'TransferRefunded':
      return {
        type,
        data: {
          transferId,
          accountId: id(d, type, 'accountId'),
          amount: int(d, type, 'amount', 1, MAX_AMOUNT),
          accountVersion: int(d, type, 'accountVersion', 1, BigInt(Number.MAX_SAFE_INTEGER)),
        },
      };
    case 'TransferCompleted':
      return { type, data: { transferId } };
    case 'TransferFailed': {
      const reason = d.reason;
      if (!(TRANSFER_FAILURE_REASONS as readonly unknown[]).includes(reason)) {
        throw new CorruptDataError(`${type}.reason is not a known failure reason`);
      }
      if (typeof d.sourceDebited !== 'boolean')
        throw new CorruptDataError(`${type}.sourceDebited is not a boolean`);
      return {
        type,
        data: { transferId, reason: reason as TransferFailureReason, sourceDebited: d.sourceDebited },
      };
    }
    default:
      throw new CorruptDataError(`unknown transfer event type ${JSON.stringify(type)}`);
  }
}
