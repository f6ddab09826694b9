import { InvalidAmount } from './errors.js';

/** Amounts are integers in minor units (cents), 1 ≤ amount ≤ 10^15 (SPEC §2). */
export const MIN_AMOUNT = 1n;
export const MAX_AMOUNT = 10n ** 15n;

/**
 * The API answers balances as JSON numbers, so a balance must stay exactly
 * representable as one: deposits that would pass this are refused.
 */
export const MAX_BALANCE = BigInt(Number.MAX_SAFE_INTEGER);

/** True for a bigint in MIN_AMOUNT..MAX_AMOUNT (false for anything else at runtime). */
export function isValidAmount(amount: bigint): boolean {
  return typeof amount === 'bigint' && amount >= MIN_AMOUNT && amount <= MAX_AMOUNT;
}

/** Throws InvalidAmount (VALIDATION_FAILED) unless `amount` is a valid amount. */
export function assertValidAmount(amount: bigint, field = 'amount'): void {
  if (!isValidAmount(amount)) throw new InvalidAmount(field);
}

/** A JSON amount (safe integer, 1..10^15) as bigint; throws InvalidAmount otherwise. */
export function toMinorUnits(n: number, field = 'amount'): bigint {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidAmount(field);
  const amount = BigInt(n);
  assertValidAmount(amount, field);
  return amount;
}

/**
 * A bigint money value as a JSON number. Only for values the domain keeps in
 * 0..MAX_BALANCE; anything else is a bug, hence a RangeError, not a domain error.
 */
export function toJsonAmount(value: bigint): number {
  if (value < 0n || value > MAX_BALANCE) throw new RangeError('money value is not a safe JSON integer');
  return Number(value);
}
