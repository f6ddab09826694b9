import { describe, expect, it } from '@jest/globals';
import { ACCOUNT_EVENT_SCHEMA_VERSIONS, type AccountEvent } from './account.events.js';
import { foldAccount } from './account.evolve.js';
import {
  ACCOUNT_UPCASTERS,
  upcastAccountOpenedV1,
  upcastAccountOpenedV2,
  type AccountOpenedV1Data,
} from './account.upcasters.js';

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

  it('upgrades to a shape that folds like a native current event', () => {
    expect(ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened).toBe(3);
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

describe('AccountOpened v2 → v3', () => {
  it('keeps the v2 fields unchanged (sealing is the persistence layer’s job)', () => {
    const v2 = {
      accountId: 'a1',
      ownerId: 'o1',
      ownerName: 'Grace Hopper',
      currency: 'USD',
      initialDeposit: 5,
    };
    expect(upcastAccountOpenedV2(v2)).toStrictEqual(v2);
    expect(upcastAccountOpenedV2(v2)).not.toBe(v2);
  });

  it('is registered, so v1 and v2 rows both reach the current version', () => {
    const chain = ACCOUNT_UPCASTERS.filter((u) => u.type === 'AccountOpened').map((u) => u.fromVersion);
    expect(chain.sort()).toEqual([1, 2]);
    expect(Math.max(...chain) + 1).toBe(ACCOUNT_EVENT_SCHEMA_VERSIONS.AccountOpened);
  });
});
