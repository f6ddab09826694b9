import { CorruptDataError } from '../errors.js';
import { MAX_BALANCE } from '../money.js';
import type { AccountState } from './account.state.js';

/** Bump when the snapshot shape changes; the store ignores snapshots of another schema. */
export const ACCOUNT_SNAPSHOT_SCHEMA_VERSION = 1;

/** JSON-safe snapshot: the balance as a decimal string (jsonb numbers are not bigint). */
export function accountToSnapshot(state: AccountState): Record<string, unknown> {
  const { status, balance, version } = state;
  if (state.status === 'none') return { status, balance: balance.toString(), version };
  const { accountId, ownerId, currency } = state;
  return { status, accountId, ownerId, currency, balance: balance.toString(), version };
}

/**
 * Rebuilds the state from `accountToSnapshot` output, checking every field and
 * the invariants (balance 0..MAX_BALANCE, a closed or missing account holds 0).
 * Throws CorruptDataError on anything else: the loader should then replay the
 * stream from the start instead.
 */
export function accountFromSnapshot(data: unknown): AccountState {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('is not an object');
  const d = data as Record<string, unknown>;
  const { status, version } = d;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) fail('has a bad version');
  if (typeof d.balance !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(d.balance)) fail('has a bad balance');
  const balance = BigInt(d.balance);
  if (balance > MAX_BALANCE) fail('has a balance above MAX_BALANCE');

  if (status === 'none') {
    if (balance !== 0n || 'accountId' in d || 'ownerId' in d || 'currency' in d) fail('is inconsistent');
    return { status, balance, version };
  }
  if (status !== 'open' && status !== 'closed') fail('has a bad status');
  if (version < 1) fail('is inconsistent');
  if (status === 'closed' && balance !== 0n) fail('is inconsistent');
  const { accountId, ownerId, currency } = d;
  if (typeof accountId !== 'string' || accountId.length === 0) fail('has a bad accountId');
  if (typeof ownerId !== 'string' || ownerId.length === 0) fail('has a bad ownerId');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) fail('has a bad currency');
  return { status, accountId, ownerId, currency, balance, version };
}

function fail(problem: string): never {
  throw new CorruptDataError(`account snapshot ${problem}`);
}
