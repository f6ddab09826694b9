import { describe, expect, it } from '@jest/globals';
import { ACCOUNT_EVENT_SCHEMA_VERSIONS, type AccountEvent } from './account.events.js';
import { foldAccount } from './account.evolve.js';
import { upcastAccountOpenedV1, type AccountOpenedV1Data } from './account.upcasters.js';

describe('upcastAccountOpenedV1', () => {
  const v1: AccountOpenedV1Data = {
    accountId: 'a1',
    ownerId: 'o1',
    owner: 'Grace Hopper',
    currency: 'USD',
    initialBalance: 1234,
  };

  it('turns a v1 AccountOpened payload into the v2 shape', () => {
    expect(upcastAccountOpenedV1(v1)).toStrictEqual({
      accountId: 'a1',
      ownerId: 'o1',
      ownerName: 'Grace Hopper',
      currency: 'USD',
      initialDeposit: 1234,
    });
  });

  it('upgrades to the current schema version, which folds like a native v2 event', () => {
    expect(ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened).toBe(2);
    const event: AccountEvent = { type: 'AccountOpened', data: upcastAccountOpenedV1(v1) };
    expect(foldAccount([event])).toMatchObject({
      status: 'open',
      balance: 1234n,
      currency: 'USD',
      version: 1,
    });
  });

  it('does not mutate its input', () => {
    const input = { ...v1 };
    upcastAccountOpenedV1(input);
    expect(input).toStrictEqual(v1);
  });
});
