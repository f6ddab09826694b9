import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DomainError } from '../errors.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../money.js';
import type { AccountCommand } from './account.commands.js';
import { decide } from './account.decide.js';
import { parseAccountEvent } from './account.event-parser.js';
import type { AccountEvent } from './account.events.js';
import { evolve, foldAccount } from './account.evolve.js';
import { accountFromSnapshot, accountToSnapshot } from './account.snapshot.js';
import { initialAccountState, type AccountState } from './account.state.js';

const ACCOUNT = 'acc-1';

/** Valid amounts dominate; edge and invalid values (0, negative, > 10^15) are frequent enough to matter. */
const amount = fc.oneof(
  { arbitrary: fc.bigInt({ min: 1n, max: 10_000n }), weight: 4 },
  { arbitrary: fc.bigInt({ min: 1n, max: MAX_AMOUNT }), weight: 3 },
  { arbitrary: fc.constantFrom(1n, MAX_AMOUNT), weight: 3 },
  { arbitrary: fc.constantFrom(0n, -1n, MAX_AMOUNT + 1n), weight: 1 },
  { arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), weight: 1 },
);
const movementExtras = fc.record({
  currency: fc.constantFrom(undefined, undefined, undefined, 'EUR', 'USD', 'usd'),
  transferId: fc.constantFrom(undefined, undefined, 't-1', ''),
});

/**
 * Steps resolved against the current state when they run: `WithdrawAll` withdraws
 * the balance; `FillUp` deposits up to MAX_BALANCE (+ overshoot), capped at 10^15,
 * so sequences actually reach the balance limit.
 */
type Step = AccountCommand | { type: 'WithdrawAll' } | { type: 'FillUp'; overshoot: bigint };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('OpenAccount' as const),
      accountId: fc.constant(ACCOUNT),
      ownerId: fc.constantFrom('owner-1', 'owner-1', ''),
      ownerName: fc.constantFrom('Ada Lovelace', 'Ada Lovelace', '  '),
      currency: fc.constantFrom('EUR', 'EUR', 'USD', 'eur', 'XYZ'),
      initialDeposit: fc.option(amount, { nil: undefined }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.tuple(amount, movementExtras).map(([a, extras]): Step => ({
      type: 'DepositMoney',
      accountId: ACCOUNT,
      amount: a,
      ...defined(extras),
    })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(amount, movementExtras).map(([a, extras]): Step => ({
      type: 'WithdrawMoney',
      accountId: ACCOUNT,
      amount: a,
      ...defined(extras),
    })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ type: 'WithdrawAll' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Step>({ type: 'FillUp', overshoot: 0n }, { type: 'FillUp', overshoot: 1n }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ type: 'CloseAccount', accountId: ACCOUNT }) },
);

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An independent, deliberately naive model of the rules: what should happen to `command`? */
function expectedOutcome(
  command: AccountCommand,
  model: { status: string; currency?: string; balance: bigint },
) {
  const validAmount = (a: bigint) => a >= 1n && a <= 10n ** 15n;
  const validCurrency = (c: string) => c === 'EUR' || c === 'USD';
  switch (command.type) {
    case 'OpenAccount':
      if (command.ownerId === '' || command.ownerName.trim() === '') return 'VALIDATION_FAILED';
      if (!validCurrency(command.currency)) return 'VALIDATION_FAILED';
      if (command.initialDeposit !== undefined && !validAmount(command.initialDeposit))
        return 'VALIDATION_FAILED';
      return model.status === 'none' ? 'OK' : 'ACCOUNT_ALREADY_EXISTS';
    case 'DepositMoney':
    case 'WithdrawMoney':
      if (!validAmount(command.amount) || command.transferId === '') return 'VALIDATION_FAILED';
      if (command.currency !== undefined && !validCurrency(command.currency)) return 'VALIDATION_FAILED';
      if (model.status === 'none') return 'ACCOUNT_NOT_FOUND';
      if (model.status === 'closed') return 'ACCOUNT_CLOSED';
      if (command.currency !== undefined && command.currency !== model.currency) return 'CURRENCY_MISMATCH';
      if (command.type === 'WithdrawMoney')
        return command.amount > model.balance ? 'INSUFFICIENT_FUNDS' : 'OK';
      return model.balance + command.amount > 9_007_199_254_740_991n ? 'BALANCE_LIMIT_EXCEEDED' : 'OK';
    case 'CloseAccount':
      if (model.status === 'none') return 'ACCOUNT_NOT_FOUND';
      if (model.status === 'closed') return 'ACCOUNT_CLOSED';
      return model.balance === 0n ? 'OK' : 'ACCOUNT_NOT_EMPTY';
  }
}

function resolve(s: Step, state: AccountState): AccountCommand {
  switch (s.type) {
    case 'WithdrawAll':
      return { type: 'WithdrawMoney', accountId: ACCOUNT, amount: state.balance };
    case 'FillUp': {
      const room = MAX_BALANCE - state.balance + s.overshoot;
      return { type: 'DepositMoney', accountId: ACCOUNT, amount: room < MAX_AMOUNT ? room : MAX_AMOUNT };
    }
    default:
      return s;
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function sameState(a: AccountState, b: AccountState): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof AccountState>;
  return [...keys].every((key) => a[key] === b[key]);
}

function run(state: AccountState, command: AccountCommand): { outcome: string; events: AccountEvent[] } {
  try {
    return { outcome: 'OK', events: decide(command, state) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { outcome: error.code, events: [] };
  }
}

describe('account aggregate properties', () => {
  const seen = new Map<string, number>();

  it('keeps every invariant over any sequence of commands, discarding rejected ones', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120, size: 'max' }), (steps) => {
        let state = initialAccountState();
        const accepted: AccountEvent[] = [];
        let credits = 0n;
        let debits = 0n;

        for (const s of steps) {
          const command = resolve(s, state);
          const expected = expectedOutcome(command, state);
          const before = state;
          const { outcome, events } = run(state, command);
          seen.set(`${command.type}:${outcome}`, (seen.get(`${command.type}:${outcome}`) ?? 0) + 1);
          check(outcome === expected, `${command.type} gave ${outcome}, the model expected ${expected}`);

          if (outcome !== 'OK') {
            check(state === before, 'a rejected command changed the state');
            continue;
          }
          check(events.length === 1, 'an accepted command yields exactly one event');
          for (const event of events) {
            state = evolve(state, event);
            accepted.push(event);
            if (event.type === 'AccountOpened') credits += BigInt(event.data.initialDeposit);
            if (event.type === 'MoneyDeposited') credits += BigInt(event.data.amount);
            if (event.type === 'MoneyWithdrawn') debits += BigInt(event.data.amount);
            if (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') {
              check(BigInt(event.data.balanceAfter) === state.balance, 'balanceAfter is the new balance');
            }
          }

          check(state.balance === credits - debits, 'balance = accepted credits - debits');
          check(state.balance >= 0n, 'balance is never negative');
          check(state.balance <= MAX_BALANCE, 'balance never exceeds MAX_BALANCE');
          check(state.version === accepted.length, 'version = number of accepted events');
          const restored = accountFromSnapshot(JSON.parse(JSON.stringify(accountToSnapshot(state))));
          check(sameState(restored, state), 'snapshot round-trips');
        }

        // The whole history survives storage as JSON and folds back to the same state.
        const stored = JSON.parse(JSON.stringify(accepted)) as { type: string; data: unknown }[];
        expect(foldAccount(stored.map(parseAccountEvent))).toStrictEqual(state);
        expect(accountFromSnapshot(accountToSnapshot(state))).toStrictEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('exercised every outcome (the generator is not vacuous)', () => {
    const outcomes = [
      'OpenAccount:OK',
      'OpenAccount:VALIDATION_FAILED',
      'OpenAccount:ACCOUNT_ALREADY_EXISTS',
      'DepositMoney:OK',
      'DepositMoney:VALIDATION_FAILED',
      'DepositMoney:ACCOUNT_NOT_FOUND',
      'DepositMoney:ACCOUNT_CLOSED',
      'DepositMoney:CURRENCY_MISMATCH',
      'DepositMoney:BALANCE_LIMIT_EXCEEDED',
      'WithdrawMoney:OK',
      'WithdrawMoney:INSUFFICIENT_FUNDS',
      'CloseAccount:OK',
      'CloseAccount:ACCOUNT_NOT_EMPTY',
      'CloseAccount:ACCOUNT_CLOSED',
      'CloseAccount:ACCOUNT_NOT_FOUND',
    ];
    for (const outcome of outcomes) expect([outcome, seen.get(outcome) ?? 0]).not.toEqual([outcome, 0]);
  });
});
