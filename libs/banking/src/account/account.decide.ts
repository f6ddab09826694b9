import { isValidCurrency } from '../currency.js';
import {
  AccountAlreadyExists,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  BalanceLimitExceeded,
  CurrencyMismatch,
  InsufficientFunds,
  InvalidCommand,
  InvalidCurrency,
} from '../errors.js';
import { assertValidAmount, MAX_BALANCE, toJsonAmount } from '../money.js';
import type {
  AccountCommand,
  CloseAccount,
  DepositMoney,
  OpenAccount,
  WithdrawMoney,
} from './account.commands.js';
import type { AccountEvent } from './account.events.js';
import { evolve } from './account.evolve.js';
import { initialAccountState, type AccountState, type ExistingAccountState } from './account.state.js';

export const MAX_ID_LENGTH = 200;
export const MAX_OWNER_NAME_LENGTH = 200;

/**
 * The pure decision: the events a command produces against the current state,
 * or a DomainError. Checks run in a fixed order so the answer is predictable:
 * the command's own fields (VALIDATION_FAILED), then the account's existence and
 * status (ACCOUNT_NOT_FOUND / ACCOUNT_ALREADY_EXISTS / ACCOUNT_CLOSED), then the
 * business rules (CURRENCY_MISMATCH, INSUFFICIENT_FUNDS, BALANCE_LIMIT_EXCEEDED,
 * ACCOUNT_NOT_EMPTY). Every command yields exactly one event.
 */
export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return [openAccount(command, state)];
    case 'DepositMoney':
      return [depositMoney(command, state)];
    case 'WithdrawMoney':
      return [withdrawMoney(command, state)];
    case 'CloseAccount':
      return [closeAccount(command, state)];
    default:
      throw new InvalidCommand('Unknown command.', 'type');
  }
}

/** The account aggregate in Emmett's Decider shape. */
export const accountDecider = { decide, evolve, initialState: initialAccountState } as const;

/**
 * Opening with an initial deposit yields ONE event: AccountOpened carries
 * `initialDeposit` and the balance starts at it. One event keeps "open with
 * money" atomic in every reader and means no MoneyDeposited exists for it:
 * projections count `initialDeposit` as the account's first deposit.
 */
function openAccount(command: OpenAccount, state: AccountState): AccountEvent {
  const accountId = requireId(command.accountId, 'accountId');
  const ownerId = requireId(command.ownerId, 'ownerId');
  const ownerName = requireOwnerName(command.ownerName);
  if (!isValidCurrency(command.currency)) throw new InvalidCurrency();
  if (command.initialDeposit !== undefined) assertValidAmount(command.initialDeposit, 'initialDeposit');
  if (state.status !== 'none') throw new AccountAlreadyExists(accountId);
  return {
    type: 'AccountOpened',
    data: {
      accountId,
      ownerId,
      ownerName,
      currency: command.currency,
      initialDeposit: toJsonAmount(command.initialDeposit ?? 0n),
    },
  };
}

function depositMoney(command: DepositMoney, state: AccountState): AccountEvent {
  const account = requireOpenAccount(command, state);
  const balanceAfter = account.balance + command.amount;
  if (balanceAfter > MAX_BALANCE) throw new BalanceLimitExceeded(account.accountId);
  return {
    type: 'MoneyDeposited',
    data: {
      accountId: account.accountId,
      amount: toJsonAmount(command.amount),
      balanceAfter: toJsonAmount(balanceAfter),
      ...transferOf(command),
    },
  };
}

function withdrawMoney(command: WithdrawMoney, state: AccountState): AccountEvent {
  const account = requireOpenAccount(command, state);
  if (command.amount > account.balance) throw new InsufficientFunds(account.accountId);
  return {
    type: 'MoneyWithdrawn',
    data: {
      accountId: account.accountId,
      amount: toJsonAmount(command.amount),
      balanceAfter: toJsonAmount(account.balance - command.amount),
      ...transferOf(command),
    },
  };
}

function closeAccount(command: CloseAccount, state: AccountState): AccountEvent {
  const accountId = requireId(command.accountId, 'accountId');
  const account = requireOpen(state, accountId);
  if (account.balance !== 0n) throw new AccountNotEmpty(accountId);
  return { type: 'AccountClosed', data: { accountId } };
}

/** Validates a money movement's fields, then requires an open account in the same currency. */
function requireOpenAccount(
  command: DepositMoney | WithdrawMoney,
  state: AccountState,
): ExistingAccountState {
  const accountId = requireId(command.accountId, 'accountId');
  assertValidAmount(command.amount);
  if (command.transferId !== undefined) requireId(command.transferId, 'transferId');
  if (command.currency !== undefined && !isValidCurrency(command.currency)) throw new InvalidCurrency();
  const account = requireOpen(state, accountId);
  if (command.currency !== undefined && command.currency !== account.currency) throw new CurrencyMismatch();
  return account;
}

function requireOpen(state: AccountState, accountId: string): ExistingAccountState {
  if (state.status === 'none') throw new AccountNotFound(accountId);
  // A handler that loaded the wrong stream is a bug, not a client error.
  if (state.accountId !== accountId) throw new Error('command and state belong to different accounts');
  if (state.status === 'closed') throw new AccountClosedError(accountId);
  return state;
}

function transferOf(command: DepositMoney | WithdrawMoney): { transferId?: string } {
  return command.transferId === undefined ? {} : { transferId: command.transferId };
}

function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_ID_LENGTH) {
    throw new InvalidCommand(
      `${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`,
      field,
    );
  }
  return value;
}

/** Trimmed; 1..MAX_OWNER_NAME_LENGTH characters, no control characters. */
function requireOwnerName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > MAX_OWNER_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw new InvalidCommand(
      `ownerName must be 1 to ${MAX_OWNER_NAME_LENGTH} printable characters.`,
      'ownerName',
    );
  }
  return name;
}
