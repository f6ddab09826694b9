/**
 * Events of the transfer stream `transfer-<uuid>` (SPEC §6, §9): the transfer
 * process manager's own state, event-sourced. The money itself moves in the
 * account streams (MoneyWithdrawn / MoneyDeposited carrying the transfer id);
 * these events record which steps happened and how the transfer ended.
 */

export const TRANSFER_STREAM_TYPE = 'transfer';
const STREAM_PREFIX = `${TRANSFER_STREAM_TYPE}-`;

export function transferStreamId(transferId: string): string {
  return STREAM_PREFIX + transferId;
}

/** The transfer id of a `transfer-<id>` stream, or undefined for any other stream. */
export function transferIdFromStreamId(streamId: string): string | undefined {
  return streamId.startsWith(STREAM_PREFIX) && streamId.length > STREAM_PREFIX.length
    ? streamId.slice(STREAM_PREFIX.length)
    : undefined;
}

export const TRANSFER_EVENT_SCHEMA_VERSIONS = {
  TransferRequested: 1,
  TransferDebited: 1,
  TransferCredited: 1,
  TransferCompleted: 1,
  TransferFailed: 1,
  TransferRefunded: 1,
} as const;

export type TransferEventType = keyof typeof TRANSFER_EVENT_SCHEMA_VERSIONS;
export const TRANSFER_EVENT_TYPES = Object.keys(
  TRANSFER_EVENT_SCHEMA_VERSIONS,
) as readonly TransferEventType[];

/**
 * Why a transfer failed. The first two: the source was never debited; the
 * others: the credit was refused after the debit, and the source is refunded.
 */
export const TRANSFER_FAILURE_REASONS = [
  'INSUFFICIENT_FUNDS',
  'SOURCE_ACCOUNT_CLOSED',
  'TARGET_ACCOUNT_NOT_FOUND',
  'TARGET_ACCOUNT_CLOSED',
  'CURRENCY_MISMATCH',
  'BALANCE_LIMIT_EXCEEDED',
] as const;

export type TransferFailureReason = (typeof TRANSFER_FAILURE_REASONS)[number];

/** `currency` is the source account's: a transfer never converts. */
export type TransferRequestedData = {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
};

/** A step that moved money: the account and its stream version after the movement. */
export type TransferStepData = {
  transferId: string;
  accountId: string;
  amount: number;
  accountVersion: number;
};

export type TransferCompletedData = { transferId: string };

/**
 * `sourceDebited`: the credit was refused after the source had been debited,
 * so a refund to the source follows (TransferRefunded) before the transfer is over.
 */
export type TransferFailedData = {
  transferId: string;
  reason: TransferFailureReason;
  sourceDebited: boolean;
};

export type TransferRequested = { type: 'TransferRequested'; data: TransferRequestedData };
export type TransferDebited = { type: 'TransferDebited'; data: TransferStepData };
export type TransferCredited = { type: 'TransferCredited'; data: TransferStepData };
export type TransferCompleted = { type: 'TransferCompleted'; data: TransferCompletedData };
export type TransferFailed = { type: 'TransferFailed'; data: TransferFailedData };
export type TransferRefunded = { type: 'TransferRefunded'; data: TransferStepData };

export type TransferEvent =
  | TransferRequested
  | TransferDebited
  | TransferCredited
  | TransferCompleted
  | TransferFailed
  | TransferRefunded;
