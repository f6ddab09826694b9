import type { TransferFailureReason } from './transfer.events.js';

/** Commands on the transfer stream: the request, then the process manager recording each step's outcome. */

/** `currency` is the source account's, looked up when the transfer is requested. */
export type RequestTransfer = {
  type: 'RequestTransfer';
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: bigint;
  currency: string;
};

/** The source was debited (its stream is now at `accountVersion`). */
export type RecordDebit = { type: 'RecordDebit'; accountVersion: number };
/** The credit landed on the target. */
export type RecordCredit = { type: 'RecordCredit'; accountVersion: number };
/** The refund landed on the source. */
export type RecordRefund = { type: 'RecordRefund'; accountVersion: number };
/** The account refused the debit or the credit, for a business reason. */
export type RecordRefusal = { type: 'RecordRefusal'; reason: TransferFailureReason };

export type TransferCommand = RequestTransfer | RecordDebit | RecordCredit | RecordRefund | RecordRefusal;
