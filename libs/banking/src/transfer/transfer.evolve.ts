import type { TransferEvent } from './transfer.events.js';
import { initialTransferState, type ExistingTransferState, type TransferState } from './transfer.state.js';

/** Folds one transfer event into the state. Pure; events come from the store in version order. */
export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  const version = state.version + 1;
  if (event.type === 'TransferRequested') {
    const d = event.data;
    return {
      status: 'requested',
      transferId: d.transferId,
      fromAccountId: d.fromAccountId,
      toAccountId: d.toAccountId,
      amount: BigInt(d.amount),
      currency: d.currency,
      sourceDebited: false,
      version,
    };
  }
  const existing = requireExisting(state, event.type);
  switch (event.type) {
    case 'TransferDebited':
      return { ...existing, status: 'debited', sourceDebited: true, version };
    case 'TransferCredited':
      return { ...existing, status: 'credited', version };
    case 'TransferCompleted':
      return { ...existing, status: 'completed', version };
    case 'TransferFailed':
      return { ...existing, status: 'failed', reason: event.data.reason, version };
    case 'TransferRefunded':
      return { ...existing, status: 'refunded', version };
  }
}

export function foldTransfer(events: readonly TransferEvent[]): TransferState {
  return events.reduce(evolveTransfer, initialTransferState());
}

function requireExisting(state: TransferState, type: string): ExistingTransferState {
  if (state.status === 'none') throw new Error(`${type} before TransferRequested`);
  return state;
}
