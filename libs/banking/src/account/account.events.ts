/**
 * Events of the account stream (SPEC §6). Past tense, JSON-safe: amounts are
 * JSON numbers (safe integers in minor units); the state folds them into bigint.
 * The store adds event id, version, position and metadata around `{ type, data }`.
 */

export const ACCOUNT_STREAM_TYPE = 'account';
const STREAM_PREFIX = `${ACCOUNT_STREAM_TYPE}-`;

export function accountStreamId(accountId: string): string {
  return STREAM_PREFIX + accountId;
}

/** The account id of an `account-<id>` stream, or undefined for any other stream. */
export function accountIdFromStreamId(streamId: string): string | undefined {
  return streamId.startsWith(STREAM_PREFIX) && streamId.length > STREAM_PREFIX.length
    ? streamId.slice(STREAM_PREFIX.length)
    : undefined;
}

/**
 * Current schema version of each event's `data`; older shapes are upcast on read.
 * AccountOpened v3 has the v2 fields; only its stored `ownerName` differs: the
 * persistence layer seals it (SPEC §8), where v2 rows hold it in plain text.
 */
export const ACCOUNT_EVENT_SCHEMA_VERSIONS = {
  AccountOpened: 3,
  MoneyDeposited: 1,
  MoneyWithdrawn: 1,
  AccountClosed: 1,
} as const;

export type AccountEventType = keyof typeof ACCOUNT_EVENT_SCHEMA_VERSIONS;
export const ACCOUNT_EVENT_TYPES = Object.keys(ACCOUNT_EVENT_SCHEMA_VERSIONS) as readonly AccountEventType[];

/**
 * Schema v2/v3. `ownerName` is personal data: the event store keeps it only encrypted
 * (SPEC §8). The account state never holds it, so shredding never changes a balance.
 * `initialDeposit` is 0 when the account was opened without one.
 */
export type AccountOpenedData = {
  accountId: string;
  ownerId: string;
  ownerName: string;
  currency: string;
  initialDeposit: number;
};

/** `transferId` is set when the movement is a step of a transfer saga. */
export type MoneyDepositedData = {
  accountId: string;
  amount: number;
  balanceAfter: number;
  transferId?: string;
};

export type MoneyWithdrawnData = {
  accountId: string;
  amount: number;
  balanceAfter: number;
  transferId?: string;
};

export type AccountClosedData = {
  accountId: string;
};

export type AccountOpened = { type: 'AccountOpened'; data: AccountOpenedData };
export type MoneyDeposited = { type: 'MoneyDeposited'; data: MoneyDepositedData };
export type MoneyWithdrawn = { type: 'MoneyWithdrawn'; data: MoneyWithdrawnData };
export type AccountClosed = { type: 'AccountClosed'; data: AccountClosedData };

export type AccountEvent = AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed;
