import { describe, expect, it } from '@jest/globals';
import type { AccountEvent } from './account.events.js';
import { evolve, foldAccount } from './account.evolve.js';
import { initialAccountState } from './account.state.js';

const opened: AccountEvent = {
  type: 'AccountOpened',
  data: { accountId: 'a1', ownerId: 'o1', ownerName: 'Ada Lovelace', currency: 'CHF', initialDeposit: 10 },
};
const history: AccountEvent[] = [
  opened,
  { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5, balanceAfter: 15 } },
  { type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 15, balanceAfter: 0, transferId: 't1' } },
  { type: 'AccountClosed', data: { accountId: 'a1' } },
];

describe('evolve / foldAccount', () => {
  it('starts with no account at version 0', () => {
    expect(initialAccountState()).toStrictEqual({ status: 'none', balance: 0n, version: 0 });
  });

  it('folds a history into the state, one version per event', () => {
    expect(foldAccount(history.slice(0, 2))).toStrictEqual({
      status: 'open',
      accountId: 'a1',
      ownerId: 'o1',
      currency: 'CHF',
      balance: 15n,
      version: 2,
    });
    expect(foldAccount(history)).toMatchObject({ status: 'closed', balance: 0n, version: 4 });
  });

  it('does not keep the owner name in the state', () => {
    expect(evolve(initialAccountState(), opened)).not.toHaveProperty('ownerName');
  });

  it('continues a fold from an earlier state (snapshot + tail)', () => {
    const middle = foldAccount(history.slice(0, 2));
    expect(foldAccount(history.slice(2), middle)).toStrictEqual(foldAccount(history));
  });

  it('does not mutate the state it is given', () => {
    const before = foldAccount(history.slice(0, 1));
    const copy = { ...before };
    evolve(before, history[1]!);
    expect(before).toStrictEqual(copy);
  });

  it('throws on an event type it does not know', () => {
    expect(() =>
      evolve(initialAccountState(), { type: 'Nope', data: {} } as unknown as AccountEvent),
    ).toThrow(TypeError);
  });
});
