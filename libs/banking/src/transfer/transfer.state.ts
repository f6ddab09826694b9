import type { TransferFailureReason } from './transfer.events.js';

/**
 * Where a transfer is. `failed` with `sourceDebited` is not over yet: the
 * refund is due; `refunded` is its end.
 */
export type TransferStatus =
  'none' | 'requested' | 'debited' | 'credited' | 'completed' | 'failed' | 'refunded';

export type NoTransferState = { status: 'none'; version: number };

export type ExistingTransferState = {
  status: Exclude<TransferStatus, 'none'>;
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: bigint;
  currency: string;
  reason?: TransferFailureReason;
  sourceDebited: boolean;
  version: number;
};

export type TransferState = NoTransferState | ExistingTransferState;

export function initialTransferState(): TransferState {
  return { status: 'none', version: 0 };
}

/** Over: nothing more will happen to the money. */
export function isTransferFinished(state: TransferState): boolean {
  return (
    state.status === 'completed' ||
    state.status === 'refunded' ||
    (state.status === 'failed' && !state.sourceDebited)
  );
}

/** The status clients see (SPEC §4): PENDING until the money has settled. */
export function transferOutcome(state: ExistingTransferState): 'PENDING' | 'COMPLETED' | 'FAILED' {
  if (state.status === 'completed') return 'COMPLETED';
  if (isTransferFinished(state)) return 'FAILED';
  return 'PENDING';
}
