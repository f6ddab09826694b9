import { describe, expect, it } from '@jest/globals';
import { CorruptDataError } from '../errors.js';
import { customerStreamId, parseCustomerEvent } from './customer.events.js';

describe('customer events', () => {
  it('names the customer stream after the owner', () => {
    expect(customerStreamId('cust-1')).toBe('customer-cust-1');
  });

  it('parses CustomerPersonalDataErased, dropping unknown fields', () => {
    expect(
      parseCustomerEvent({ type: 'CustomerPersonalDataErased', data: { ownerId: 'cust-1', extra: 1 } }),
    ).toStrictEqual({ type: 'CustomerPersonalDataErased', data: { ownerId: 'cust-1' } });
  });

  it('refuses unknown types and malformed data', () => {
    expect(() => parseCustomerEvent({ type: 'CustomerRenamed', data: {} })).toThrow(CorruptDataError);
    expect(() => parseCustomerEvent({ type: 'CustomerPersonalDataErased', data: { ownerId: '' } })).toThrow(
      CorruptDataError,
    );
    expect(() => parseCustomerEvent({ type: 'CustomerPersonalDataErased', data: null })).toThrow(
      CorruptDataError,
    );
  });
});
