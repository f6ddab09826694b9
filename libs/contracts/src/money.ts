/**
 * Money on the public topic (SPEC §2): integers in minor units (cents) with
 * their currency, JSON numbers that are safe integers. The JSON Schemas encode
 * the same bounds; a test keeps them equal.
 */
export const MONEY_LIMITS = {
  /** Smallest amount of a movement. */
  minAmount: 1,
  /** Largest amount of a movement: 10^15. */
  maxAmount: 1_000_000_000_000_000,
  /** Largest balance: balances stay exactly representable as JSON numbers. */
  maxBalance: Number.MAX_SAFE_INTEGER,
} as const;

/** ISO 4217 code shape (upper case); the producer only uses active codes. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
