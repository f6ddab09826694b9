// The banking domain: aggregates, events, commands and errors. Pure TypeScript:
// no framework, no I/O, no other lib. This file is its whole public API.

export {
  DomainError,
  AccountNotFound,
  AccountAlreadyExists,
  AccountClosedError,
  InsufficientFunds,
  AccountNotEmpty,
  BalanceLimitExceeded,
  CurrencyMismatch,
  SameAccount,
  ValidationFailed,
  InvalidAmount,
  InvalidCurrency,
  InvalidCommand,
  CorruptDataError,
  type DomainErrorCode,
} from './errors.js';
export {
  MIN_AMOUNT,
  MAX_AMOUNT,
  MAX_BALANCE,
  isValidAmount,
  assertValidAmount,
  toMinorUnits,
  toJsonAmount,
} from './money.js';
export { ISO_4217_CURRENCIES, isValidCurrency } from './currency.js';

export {
  ACCOUNT_STREAM_TYPE,
  accountStreamId,
  accountIdFromStreamId,
  ACCOUNT_EVENT_SCHEMA_VERSIONS,
  ACCOUNT_EVENT_TYPES,
  type AccountEventType,
  type AccountEvent,
  type AccountOpened,
  type AccountOpenedData,
  type MoneyDeposited,
  type MoneyDepositedData,
  type MoneyWithdrawn,
  type MoneyWithdrawnData,
  type AccountClosed,
  type AccountClosedData,
} from './account/account.events.js';
export { parseAccountEvent } from './account/account.event-parser.js';
export {
  ACCOUNT_UPCASTERS,
  upcastAccountOpenedV1,
  upcastAccountOpenedV2,
  type AccountOpenedV1Data,
} from './account/account.upcasters.js';
export type {
  AccountCommand,
  OpenAccount,
  DepositMoney,
  WithdrawMoney,
  CloseAccount,
} from './account/account.commands.js';
export {
  initialAccountState,
  type AccountState,
  type AccountStatus,
  type NoAccountState,
  type ExistingAccountState,
} from './account/account.state.js';
export { evolve, foldAccount } from './account/account.evolve.js';
export { decide, accountDecider, MAX_ID_LENGTH, MAX_OWNER_NAME_LENGTH } from './account/account.decide.js';
export {
  ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
  accountToSnapshot,
  accountFromSnapshot,
} from './account/account.snapshot.js';

export {
  TRANSFER_STREAM_TYPE,
  transferStreamId,
  transferIdFromStreamId,
  TRANSFER_EVENT_SCHEMA_VERSIONS,
  TRANSFER_EVENT_TYPES,
  TRANSFER_FAILURE_REASONS,
  type TransferEventType,
  type TransferFailureReason,
  type TransferEvent,
  type TransferRequested,
  type TransferRequestedData,
  type TransferStepData,
  type TransferDebited,
  type TransferCredited,
  type TransferCompleted,
  type TransferCompletedData,
  type TransferFailed,
  type TransferFailedData,
  type TransferRefunded,
} from './transfer/transfer.events.js';
export type {
  TransferCommand,
  RequestTransfer,
  RecordDebit,
  RecordCredit,
  RecordRefund,
  RecordRefusal,
} from './transfer/transfer.commands.js';
export {
  initialTransferState,
  isTransferFinished,
  transferOutcome,
  type TransferState,
  type TransferStatus,
  type NoTransferState,
  type ExistingTransferState,
} from './transfer/transfer.state.js';
export { evolveTransfer, foldTransfer } from './transfer/transfer.evolve.js';
export {
  decideTransfer,
  transferDecider,
  nextTransferStep,
  transferRefusalReason,
  type TransferStep,
} from './transfer/transfer.decide.js';
export { parseTransferEvent } from './transfer/transfer.event-parser.js';
export {
  CUSTOMER_STREAM_TYPE,
  CUSTOMER_EVENT_SCHEMA_VERSIONS,
  customerStreamId,
  parseCustomerEvent,
  type CustomerEvent,
  type CustomerPersonalDataErased,
  type CustomerPersonalDataErasedData,
} from './customer/customer.events.js';
export { PERSONAL_DATA_FIELDS, type PersonalDataField } from './personal-data.js';
export {
  initialCustomerState,
  evolveCustomer,
  decideErasePersonalData,
  type CustomerState,
} from './customer/customer.decide.js';
