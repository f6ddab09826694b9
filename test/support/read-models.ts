// Seeds the projector's read-model tables directly, for tests of the query side.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface AccountSeed {
  accountId?: string;
  ownerId: string;
  /** null: the owner's personal data was erased. */
  ownerName?: string | null;
  currency?: string;
  status?: 'OPEN' | 'CLOSED';
  balance?: number;
  version?: number;
  lifetimeDeposits?: number;
  openedAt?: string;
  updatedAt?: string;
}

/** Inserts one account_balance row; returns its id. */
export async function seedAccount(db: pg.Pool, seed: AccountSeed): Promise<string> {
  const accountId = seed.accountId ?? randomUUID();
  await db.query(
    `INSERT INTO account_balance
       (account_id, owner_id, owner_name, currency, status, balance, version, lifetime_deposits, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      accountId,
      seed.ownerId,
      seed.ownerName === undefined ? 'Alice Example' : seed.ownerName,
      seed.currency ?? 'EUR',
      seed.status ?? 'OPEN',
      seed.balance ?? 0,
      seed.version ?? 1,
      seed.lifetimeDeposits ?? 0,
      seed.openedAt ?? '2025-01-01T00:00:00Z',
      seed.updatedAt ?? seed.openedAt ?? '2025-01-01T00:00:00Z',
    ],
  );
  return accountId;
}

export interface MovementSeed {
  version: number;
  kind: 'DEPOSIT' | 'WITHDRAWAL';
  amount: number;
  balanceAfter: number;
  occurredAt: string;
  transferId?: string;
  eventId?: string;
}

export async function seedTransactions(
  db: pg.Pool,
  accountId: string,
  movements: MovementSeed[],
): Promise<void> {
  for (const m of movements) {
    await db.query(
      `INSERT INTO account_transactions
         (account_id, version, event_id, kind, amount, balance_after, transfer_id, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        accountId,
        m.version,
        m.eventId ?? randomUUID(),
        m.kind,
        m.amount,
        m.balanceAfter,
        m.transferId ?? null,
        m.occurredAt,
      ],
    );
  }
}

export async function seedMonthlySummary(
  db: pg.Pool,
  accountId: string,
  month: string,
  totals: {
    depositsTotal: number;
    depositsCount: number;
    withdrawalsTotal: number;
    withdrawalsCount: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO account_monthly_summary
       (account_id, month, deposits_total, deposits_count, withdrawals_total, withdrawals_count)
     VALUES ($1, $2::date, $3, $4, $5, $6)`,
    [
      accountId,
      `${month}-01`,
      totals.depositsTotal,
      totals.depositsCount,
      totals.withdrawalsTotal,
      totals.withdrawalsCount,
    ],
  );
}

export interface TransferSeed {
  transferId?: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency?: string;
  status?: 'PENDING' | 'COMPLETED' | 'FAILED';
  reason?: string | null;
  updatedAt?: string;
}

export async function seedTransfer(db: pg.Pool, seed: TransferSeed): Promise<string> {
  const transferId = seed.transferId ?? randomUUID();
  await db.query(
    `INSERT INTO transfer_status
       (transfer_id, from_account_id, to_account_id, amount, currency, status, reason, version, requested_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
    [
      transferId,
      seed.fromAccountId,
      seed.toAccountId,
      seed.amount,
      seed.currency ?? 'EUR',
      seed.status ?? 'PENDING',
      seed.reason ?? null,
      seed.updatedAt ?? '2025-01-01T00:00:00Z',
    ],
  );
  return transferId;
}

/** What the projector does at the end of each batch transaction. */
export async function notifyProjectionApplied(db: pg.Pool): Promise<void> {
  await db.query('NOTIFY account_projection_applied');
}
