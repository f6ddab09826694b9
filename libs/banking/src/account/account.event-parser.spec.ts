import { describe, expect, it } from '@jest/globals';
import { CorruptDataError } from '../errors.js';
import { parseAccountEvent } from './account.event-parser.js';
import { ACCOUNT_STREAM_TYPE, accountIdFromStreamId, accountStreamId } from './account.events.js';

describe('parseAccountEvent', () => {
  const opened = {
    accountId: 'a1',
    ownerId: 'o1',
    ownerName: '[erased]',
    currency: 'EUR',
    initialDeposit: 0,
  };

  it('accepts every event type and drops unknown fields', () => {
    expect(parseAccountEvent({ type: 'AccountOpened', data: { ...opened, extra: 1 } })).toStrictEqual({
      type: 'AccountOpened',
      data: opened,
    });
    expect(
      parseAccountEvent({
        type: 'MoneyDeposited',
        data: { accountId: 'a1', amount: 5, balanceAfter: 5, transferId: 't1' },
      }),
    ).toStrictEqual({
      type: 'MoneyDeposited',
      data: { accountId: 'a1', amount: 5, balanceAfter: 5, transferId: 't1' },
    });
    expect(
      parseAccountEvent({ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 5, balanceAfter: 0 } }),
    ).toStrictEqual({ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 5, balanceAfter: 0 } });
    expect(parseAccountEvent({ type: 'AccountClosed', data: { accountId: 'a1' } })).toStrictEqual({
      type: 'AccountClosed',
      data: { accountId: 'a1' },
    });
  });

  it('keeps an account readable whose currency code is well-formed but no longer active', () => {
    expect(
      parseAccountEvent({ type: 'AccountOpened', data: { ...opened, currency: 'HRK' } }).data,
    ).toMatchObject({
      currency: 'HRK',
    });
  });

  const money = { accountId: 'a1', amount: 5, balanceAfter: 5 };
  it.each<[string, string, unknown]>([
    ['an unknown type', 'MoneyPrinted', money],
    ['non-object data', 'MoneyDeposited', 'x'],
    ['null data', 'MoneyDeposited', null],
    ['a string amount', 'MoneyDeposited', { ...money, amount: '5' }],
    ['a fractional amount', 'MoneyDeposited', { ...money, amount: 1.5 }],
    ['a zero amount', 'MoneyWithdrawn', { ...money, amount: 0 }],
    ['an amount over 10^15', 'MoneyWithdrawn', { ...money, amount: 1e15 + 1 }],
    ['a negative balanceAfter', 'MoneyWithdrawn', { ...money, balanceAfter: -1 }],
    ['an unsafe balanceAfter', 'MoneyDeposited', { ...money, balanceAfter: 2 ** 53 }],
    ['an empty transferId', 'MoneyDeposited', { ...money, transferId: '' }],
    ['a missing accountId', 'AccountClosed', {}],
    ['a bad currency', 'AccountOpened', { ...opened, currency: 'eur' }],
    ['a negative initialDeposit', 'AccountOpened', { ...opened, initialDeposit: -1 }],
    ['a missing ownerName', 'AccountOpened', { ...opened, ownerName: undefined }],
  ])('rejects %s', (_, type, data) => {
    expect(() => parseAccountEvent({ type, data })).toThrow(CorruptDataError);
  });
});

describe('account stream ids', () => {
  it('maps account ids to stream ids and back', () => {
    expect(ACCOUNT_STREAM_TYPE).toBe('account');
    expect(accountStreamId('0b7e')).toBe('account-0b7e');
    expect(accountIdFromStreamId('account-0b7e')).toBe('0b7e');
    expect(accountIdFromStreamId('transfer-0b7e')).toBeUndefined();
    expect(accountIdFromStreamId('account-')).toBeUndefined();
  });
});
