import { describe, expect, it } from '@jest/globals';
import {
  AccountAlreadyExists,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  BalanceLimitExceeded,
  CurrencyMismatch,
  DomainError,
  InsufficientFunds,
  InvalidAmount,
  InvalidCommand,
  InvalidCurrency,
  ValidationFailed,
} from '../errors.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../money.js';
import { given } from '../testing/given-when-then.js';
import type { AccountCommand } from './account.commands.js';
import { decide } from './account.decide.js';
import type { AccountEvent } from './account.events.js';
import { evolve, foldAccount } from './account.evolve.js';
import { initialAccountState } from './account.state.js';

const ACCOUNT = '5f0c6c1e-8a51-4b8e-9d43-1f9a4c7e2b10';
const OWNER = 'customer-42';

const open = (initialDeposit?: bigint, overrides: Partial<AccountCommand> = {}): AccountCommand => ({
  type: 'OpenAccount',
  accountId: ACCOUNT,
  ownerId: OWNER,
  ownerName: 'Ada Lovelace',
  currency: 'EUR',
  ...(initialDeposit === undefined ? {} : { initialDeposit }),
  ...(overrides as object),
});
const deposit = (amount: bigint, extra: { transferId?: string; currency?: string } = {}): AccountCommand => ({
  type: 'DepositMoney',
  accountId: ACCOUNT,
  amount,
  ...extra,
});
const withdraw = (
  amount: bigint,
  extra: { transferId?: string; currency?: string } = {},
): AccountCommand => ({
  type: 'WithdrawMoney',
  accountId: ACCOUNT,
  amount,
  ...extra,
});
const close = (): AccountCommand => ({ type: 'CloseAccount', accountId: ACCOUNT });

const opened = (initialDeposit = 0): AccountEvent => ({
  type: 'AccountOpened',
  data: { accountId: ACCOUNT, ownerId: OWNER, ownerName: 'Ada Lovelace', currency: 'EUR', initialDeposit },
});
const deposited = (amount: number, balanceAfter: number, transferId?: string): AccountEvent => ({
  type: 'MoneyDeposited',
  data: { accountId: ACCOUNT, amount, balanceAfter, ...(transferId ? { transferId } : {}) },
});
const withdrawn = (amount: number, balanceAfter: number, transferId?: string): AccountEvent => ({
  type: 'MoneyWithdrawn',
  data: { accountId: ACCOUNT, amount, balanceAfter, ...(transferId ? { transferId } : {}) },
});
const closed = (): AccountEvent => ({ type: 'AccountClosed', data: { accountId: ACCOUNT } });

const MAX = Number(MAX_AMOUNT);
/** An account whose balance is 9 × 10^15, built from valid events only. */
const nearlyFull: AccountEvent[] = [
  opened(MAX),
  ...Array.from({ length: 8 }, (_, i) => deposited(MAX, MAX * (i + 2))),
];
const toTheLimit = MAX_BALANCE - 9n * MAX_AMOUNT; // 7_199_254_740_991

describe('OpenAccount', () => {
  it('opens an account without an initial deposit', () => {
    const state = given([])
      .when(open())
      .then([opened(0)]);
    expect(state).toEqual({
      status: 'open',
      accountId: ACCOUNT,
      ownerId: OWNER,
      currency: 'EUR',
      balance: 0n,
      version: 1,
    });
  });

  it('opens with an initial deposit as ONE event whose amount becomes the balance', () => {
    const state = given([])
      .when(open(2500n))
      .then([opened(2500)]);
    expect(state.balance).toBe(2500n);
    expect(state.version).toBe(1);
  });

  it('accepts initial deposits of 1 and 10^15', () => {
    given([])
      .when(open(1n))
      .then([opened(1)]);
    given([])
      .when(open(MAX_AMOUNT))
      .then([opened(MAX)]);
  });

  it.each([0n, -1n, MAX_AMOUNT + 1n])('rejects an initial deposit of %s', (amount) => {
    const error = given([]).when(open(amount)).thenThrows(InvalidAmount, 'VALIDATION_FAILED');
    expect(error).toHaveProperty('field', 'initialDeposit');
  });

  it('refuses to open an account twice', () => {
    given([opened()]).when(open()).thenThrows(AccountAlreadyExists, 'ACCOUNT_ALREADY_EXISTS');
  });

  it('refuses to reopen a closed account', () => {
    given([opened(), closed()]).when(open()).thenThrows(AccountAlreadyExists, 'ACCOUNT_ALREADY_EXISTS');
  });

  it.each(['eur', 'EURO', 'XYZ', 'XAU', 'XXX', '', 'E U'])('rejects the currency %j', (currency) => {
    given([]).when(open(undefined, { currency })).thenThrows(InvalidCurrency, 'VALIDATION_FAILED');
  });

  it.each([
    ['ownerId', ''],
    ['ownerId', '   '],
    ['ownerName', ''],
    ['ownerName', '  \t '],
    ['ownerName', 'x'.repeat(201)],
    ['ownerName', 'Ada\nLovelace'],
    ['accountId', ''],
  ])('rejects %s = %j', (field, value) => {
    const error = given([])
      .when(open(undefined, { [field]: value }))
      .thenThrows(InvalidCommand, 'VALIDATION_FAILED');
    expect(error).toHaveProperty('field', field);
  });

  it('trims the owner name', () => {
    given([])
      .when(open(undefined, { ownerName: '  Ada Lovelace ' }))
      .then([opened()]);
  });

  it('validates input before looking at the state', () => {
    given([opened()]).when(open(0n)).thenThrows(InvalidAmount);
  });
});

describe('DepositMoney', () => {
  it('deposits into an open account', () => {
    const state = given([opened(100)])
      .when(deposit(50n))
      .then([deposited(50, 150)]);
    expect(state).toMatchObject({ balance: 150n, version: 2 });
  });

  it('accepts the smallest and largest amounts', () => {
    given([opened()])
      .when(deposit(1n))
      .then([deposited(1, 1)]);
    given([opened()])
      .when(deposit(MAX_AMOUNT))
      .then([deposited(MAX, MAX)]);
  });

  it.each([0n, -1n, -MAX_AMOUNT, MAX_AMOUNT + 1n])('rejects an amount of %s', (amount) => {
    given([opened()]).when(deposit(amount)).thenThrows(InvalidAmount, 'VALIDATION_FAILED');
  });

  it('rejects a non-bigint amount from untyped callers', () => {
    given([opened()])
      .when(deposit(10 as unknown as bigint))
      .thenThrows(InvalidAmount);
  });

  it('refuses a deposit into a missing account', () => {
    given([]).when(deposit(1n)).thenThrows(AccountNotFound, 'ACCOUNT_NOT_FOUND');
  });

  it('refuses a deposit into a closed account', () => {
    given([opened(), closed()]).when(deposit(1n)).thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
  });

  it('lets a deposit reach MAX_BALANCE exactly', () => {
    const state = given(nearlyFull)
      .when(deposit(toTheLimit))
      .then([deposited(Number(toTheLimit), Number.MAX_SAFE_INTEGER)]);
    expect(state.balance).toBe(MAX_BALANCE);
    expect(state.version).toBe(10);
  });

  it('refuses a deposit one unit over MAX_BALANCE', () => {
    given(nearlyFull)
      .when(deposit(toTheLimit + 1n))
      .thenThrows(BalanceLimitExceeded, 'BALANCE_LIMIT_EXCEEDED');
  });

  it('refuses any deposit into a full account', () => {
    given([...nearlyFull, deposited(Number(toTheLimit), Number.MAX_SAFE_INTEGER)])
      .when(deposit(1n))
      .thenThrows(BalanceLimitExceeded);
  });

  it('carries the transfer id of a saga step', () => {
    given([opened()])
      .when(deposit(5n, { transferId: 't-1' }))
      .then([deposited(5, 5, 't-1')]);
  });

  it('accepts a deposit that names the account currency', () => {
    given([opened()])
      .when(deposit(5n, { currency: 'EUR' }))
      .then([deposited(5, 5)]);
  });

  it('refuses a deposit in another currency', () => {
    given([opened()])
      .when(deposit(5n, { currency: 'USD' }))
      .thenThrows(CurrencyMismatch, 'CURRENCY_MISMATCH');
  });

  it('rejects an invalid currency or an empty transfer id', () => {
    given([opened()])
      .when(deposit(5n, { currency: 'usd' }))
      .thenThrows(InvalidCurrency);
    given([opened()])
      .when(deposit(5n, { transferId: '' }))
      .thenThrows(InvalidCommand);
  });

  it('rejects an invalid amount before reporting a missing account', () => {
    given([]).when(deposit(0n)).thenThrows(InvalidAmount);
  });
});

describe('WithdrawMoney', () => {
  it('withdraws from an open account', () => {
    const state = given([opened(100)])
      .when(withdraw(30n))
      .then([withdrawn(30, 70)]);
    expect(state).toMatchObject({ balance: 70n, version: 2 });
  });

  it('allows withdrawing the exact balance', () => {
    const state = given([opened(100), deposited(50, 150)])
      .when(withdraw(150n))
      .then([withdrawn(150, 0)]);
    expect(state.balance).toBe(0n);
  });

  it('rejects a withdrawal that would overdraw', () => {
    given([opened(100), deposited(50, 150)])
      .when(withdraw(151n))
      .thenThrows(InsufficientFunds, 'INSUFFICIENT_FUNDS');
  });

  it('rejects any withdrawal from an empty account', () => {
    given([opened()]).when(withdraw(1n)).thenThrows(InsufficientFunds);
  });

  it('withdraws the largest amount', () => {
    given([opened(MAX)])
      .when(withdraw(MAX_AMOUNT))
      .then([withdrawn(MAX, 0)]);
  });

  it.each([0n, -5n, MAX_AMOUNT + 1n])('rejects an amount of %s', (amount) => {
    given([opened(MAX)])
      .when(withdraw(amount))
      .thenThrows(InvalidAmount, 'VALIDATION_FAILED');
  });

  it('refuses a withdrawal from a missing account', () => {
    given([]).when(withdraw(1n)).thenThrows(AccountNotFound, 'ACCOUNT_NOT_FOUND');
  });

  it('refuses a withdrawal from a closed account', () => {
    given([opened(), closed()]).when(withdraw(1n)).thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
  });

  it('carries the transfer id and checks the currency', () => {
    given([opened(10)])
      .when(withdraw(4n, { transferId: 't-9', currency: 'EUR' }))
      .then([withdrawn(4, 6, 't-9')]);
    given([opened(10)])
      .when(withdraw(4n, { currency: 'GBP' }))
      .thenThrows(CurrencyMismatch);
  });
});

describe('CloseAccount', () => {
  it('closes an empty account', () => {
    const state = given([opened()]).when(close()).then([closed()]);
    expect(state).toMatchObject({ status: 'closed', balance: 0n, version: 2 });
  });

  it('closes an account emptied by a withdrawal', () => {
    given([opened(100), withdrawn(100, 0)])
      .when(close())
      .then([closed()]);
  });

  it('refuses to close an account holding money', () => {
    given([opened(1)])
      .when(close())
      .thenThrows(AccountNotEmpty, 'ACCOUNT_NOT_EMPTY');
  });

  it('refuses to close a missing account', () => {
    given([]).when(close()).thenThrows(AccountNotFound, 'ACCOUNT_NOT_FOUND');
  });

  it('refuses to close an account twice', () => {
    given([opened(), closed()]).when(close()).thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
  });
});

describe('decide', () => {
  it('treats a state of another account as a bug, not a domain error', () => {
    const error = given([opened()]).when({ type: 'CloseAccount', accountId: 'other' }).thenThrows(Error);
    expect(error).not.toBeInstanceOf(DomainError);
  });

  it('rejects an unknown command type', () => {
    given([])
      .when({ type: 'StealMoney' } as unknown as AccountCommand)
      .thenThrows(ValidationFailed);
  });

  it('produces JSON-safe events that fold back to the same state', () => {
    const commands = [
      open(MAX_AMOUNT),
      deposit(1n, { transferId: 't' }),
      withdraw(2n),
      withdraw(MAX_AMOUNT - 1n),
    ];
    let state = initialAccountState();
    const history: AccountEvent[] = [];
    for (const command of commands) {
      for (const event of decide(command, state)) {
        history.push(event);
        state = evolve(state, event);
      }
    }
    const roundTripped = JSON.parse(JSON.stringify(history)) as AccountEvent[];
    expect(roundTripped).toStrictEqual(history);
    expect(foldAccount(roundTripped)).toStrictEqual(state);
    expect(state).toMatchObject({ balance: 0n, version: 4 });
  });
});
