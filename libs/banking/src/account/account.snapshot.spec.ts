import { describe, expect, it } from '@jest/globals';
import { CorruptDataError } from '../errors.js';
import { MAX_BALANCE } from '../money.js';
import { accountFromSnapshot, accountToSnapshot } from './account.snapshot.js';
import { initialAccountState, type AccountState } from './account.state.js';

const open: AccountState = {
  status: 'open',
  accountId: 'a1',
  ownerId: 'o1',
  currency: 'EUR',
  balance: MAX_BALANCE,
  version: 42,
};

describe('account snapshots', () => {
  it.each<[string, AccountState]>([
    ['none', initialAccountState()],
    ['open', open],
    ['closed', { ...open, status: 'closed', balance: 0n, version: 43 }],
  ])('round-trips a %s account through JSON', (_, state) => {
    const snapshot = JSON.parse(JSON.stringify(accountToSnapshot(state))) as unknown;
    expect(accountFromSnapshot(snapshot)).toStrictEqual(state);
  });

  it('stores the balance as a decimal string', () => {
    expect(accountToSnapshot(open)).toStrictEqual({
      status: 'open',
      accountId: 'a1',
      ownerId: 'o1',
      currency: 'EUR',
      balance: '9007199254740991',
      version: 42,
    });
  });

  const valid = accountToSnapshot(open);
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['a string', 'open'],
    ['a bad status', { ...valid, status: 'frozen' }],
    ['a numeric balance', { ...valid, balance: 10 }],
    ['a negative balance', { ...valid, balance: '-1' }],
    ['a fractional balance', { ...valid, balance: '1.5' }],
    ['a balance with leading zeros', { ...valid, balance: '007' }],
    ['a balance above MAX_BALANCE', { ...valid, balance: (MAX_BALANCE + 1n).toString() }],
    ['a missing version', { ...valid, version: undefined }],
    ['a negative version', { ...valid, version: -1 }],
    ['a fractional version', { ...valid, version: 1.5 }],
    ['a zero version for an existing account', { ...valid, version: 0 }],
    ['a missing accountId', { ...valid, accountId: undefined }],
    ['an empty ownerId', { ...valid, ownerId: '' }],
    ['a bad currency', { ...valid, currency: 'euro' }],
    ['a closed account with money', { ...valid, status: 'closed' }],
    ['a missing account with money', { status: 'none', balance: '1', version: 0 }],
    ['a missing account with an id', { status: 'none', accountId: 'a1', balance: '0', version: 0 }],
  ])('rejects %s', (_, garbage) => {
    expect(() => accountFromSnapshot(garbage)).toThrow(CorruptDataError);
  });
});
