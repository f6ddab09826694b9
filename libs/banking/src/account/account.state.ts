/**
 * What decisions about one account need to know: a fold of its events. The
 * owner's name is deliberately absent (personal data, crypto-shredded, §8).
 */
export type AccountStatus = 'none' | 'open' | 'closed';

/** No `AccountOpened` yet: the stream does not exist. */
export type NoAccountState = {
  status: 'none';
  accountId?: undefined;
  ownerId?: undefined;
  currency?: undefined;
  balance: bigint;
  version: number;
};

export type ExistingAccountState = {
  status: 'open' | 'closed';
  accountId: string;
  ownerId: string;
  currency: string;
  /** Minor units, always 0..MAX_BALANCE. */
  balance: bigint;
  /** Number of events folded = the stream's version (the expected version for the next append). */
  version: number;
};

export type AccountState = NoAccountState | ExistingAccountState;

export function initialAccountState(): AccountState {
  return { status: 'none', balance: 0n, version: 0 };
}
