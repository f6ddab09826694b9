import { describe, expect, it } from '@jest/globals';
import { isValidCurrency } from './currency.js';
import { InvalidAmount } from './errors.js';
import { isValidAmount, MAX_AMOUNT, MAX_BALANCE, toJsonAmount, toMinorUnits } from './money.js';

describe('money', () => {
  it('bounds amounts to 1..10^15 and balances to the largest safe JSON integer', () => {
    expect(MAX_AMOUNT).toBe(1_000_000_000_000_000n);
    expect(MAX_BALANCE).toBe(9_007_199_254_740_991n);
  });

  it.each([1, 250, 1e15])('converts the JSON amount %d to minor units', (n) => {
    expect(toMinorUnits(n)).toBe(BigInt(n));
  });

  it.each([0, -1, 1.5, 1e15 + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, NaN, Infinity])('rejects %d', (n) => {
    expect(() => toMinorUnits(n)).toThrow(InvalidAmount);
  });

  it('rejects values that are not numbers', () => {
    expect(() => toMinorUnits('5' as unknown as number)).toThrow(InvalidAmount);
    expect(() => toMinorUnits(5n as unknown as number)).toThrow(InvalidAmount);
  });

  it('names the offending field', () => {
    expect(() => toMinorUnits(0, 'initialDeposit')).toThrow(
      expect.objectContaining({ field: 'initialDeposit' }),
    );
  });

  it('checks bigint amounts', () => {
    expect(isValidAmount(1n)).toBe(true);
    expect(isValidAmount(MAX_AMOUNT)).toBe(true);
    expect(isValidAmount(0n)).toBe(false);
    expect(isValidAmount(MAX_AMOUNT + 1n)).toBe(false);
    expect(isValidAmount(5 as unknown as bigint)).toBe(false);
  });

  it('turns balances into JSON numbers only when exactly representable', () => {
    expect(toJsonAmount(0n)).toBe(0);
    expect(toJsonAmount(MAX_BALANCE)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toJsonAmount(MAX_BALANCE + 1n)).toThrow(RangeError);
    expect(() => toJsonAmount(-1n)).toThrow(RangeError);
  });
});

describe('isValidCurrency', () => {
  it.each(['EUR', 'USD', 'JPY', 'CHF', 'GBP', 'XCG', 'ZWG'])('accepts %s', (code) => {
    expect(isValidCurrency(code)).toBe(true);
  });

  it.each(['eur', 'Eur', 'EURO', 'EU', 'XYZ', 'XAU', 'XTS', 'XXX', 'HRK', ' EUR', '', 5, null])(
    'rejects %j',
    (code) => {
      expect(isValidCurrency(code)).toBe(false);
    },
  );
});
