import { describe, expect, it } from '@jest/globals';
import { ValidationFailed } from '../errors.js';
import { decideErasePersonalData, evolveCustomer, initialCustomerState } from './customer.decide.js';

describe('ErasePersonalData', () => {
  it('given no erasure, records CustomerPersonalDataErased', () => {
    expect(decideErasePersonalData('cust-1', initialCustomerState())).toStrictEqual([
      { type: 'CustomerPersonalDataErased', data: { ownerId: 'cust-1' } },
    ]);
  });

  it('given an erasure, decides nothing (idempotent)', () => {
    const erased = evolveCustomer(initialCustomerState(), {
      type: 'CustomerPersonalDataErased',
      data: { ownerId: 'cust-1' },
    });
    expect(erased).toStrictEqual({ version: 1, personalDataErased: true });
    expect(decideErasePersonalData('cust-1', erased)).toStrictEqual([]);
  });

  it('refuses a blank owner id', () => {
    expect(() => decideErasePersonalData(' ', initialCustomerState())).toThrow(ValidationFailed);
  });
});
