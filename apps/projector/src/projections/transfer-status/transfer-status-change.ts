import type { TransferEvent } from '@cqrs-bank/banking';

export type TransferState = 'PENDING' | 'COMPLETED' | 'FAILED';

/**
 * What a batch does to one `transfer_status` row: the transfer's events of the
 * batch folded in order. A batch holding TransferRequested inserts the row;
 * any other batch updates the row the earlier events left.
 */
export interface TransferStatusChange {
  transferId: string;
  /** Set when the batch holds TransferRequested: the row is new. */
  requested?: {
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    currency: string;
    requestedAt: Date;
  };
  /** null: the row's status stays as it is. */
  status: TransferState | null;
  /** null: the row's reason stays as it is. */
  reason: string | null;
  /** The transfer stream's version the row reflects afterwards. */
  version: number;
  updatedAt: Date;
}

/**
 * `change` with one more event of its transfer (the next version): the latest
 * status and reason an event sets win, as if each event were written in turn.
 */
export function foldTransferEvent(
  change: TransferStatusChange | undefined,
  transferId: string,
  version: number,
  event: TransferEvent,
  at: Date,
): TransferStatusChange {
  if (event.type === 'TransferRequested') {
    if (change) throw new Error(`transfer ${transferId} is requested again at version ${version}`);
    const { fromAccountId, toAccountId, amount, currency } = event.data;
    return {
      transferId,
      requested: { fromAccountId, toAccountId, amount, currency, requestedAt: at },
      status: 'PENDING',
      reason: null,
      version,
      updatedAt: at,
    };
  }
  const after = statusAfter(event);
  return {
    transferId,
    ...(change?.requested ? { requested: change.requested } : {}),
    status: after.status ?? change?.status ?? null,
    reason: after.reason ?? change?.reason ?? null,
    version,
    updatedAt: at,
  };
}

/** The status and reason an event sets (null: unchanged). */
export function statusAfter(event: Exclude<TransferEvent, { type: 'TransferRequested' }>): {
  status: TransferState | null;
  reason: string | null;
} {
  switch (event.type) {
    case 'TransferCompleted':
      return { status: 'COMPLETED', reason: null };
    case 'TransferFailed':
      // Failed after the debit: PENDING until the refund has landed.
      return { status: event.data.sourceDebited ? null : 'FAILED', reason: event.data.reason };
    case 'TransferRefunded':
      return { status: 'FAILED', reason: null };
    default:
      return { status: null, reason: null };
  }
}
