import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { READ_MODEL_POOL } from '../read-models/read-model-pool.js';
import { toSafeInteger, utcIso } from '../read-models/sql.js';

/** One row of account_balance. Amounts in minor units; timestamps ISO-8601 UTC. */
export interface AccountRecord {
  accountId: string;
  ownerId: string;
  /** NULL once the owner's personal data was erased (SPEC §8). */
  ownerName: string | null;
  currency: string;
  status: 'OPEN' | 'CLOSED';
  balance: number;
  /** The account stream version the row reflects. */
  version: number;
  openedAt: string;
  updatedAt: string;
}

export interface TransactionRecord {
  version: number;
  eventId: string;
  kind: 'DEPOSIT' | 'WITHDRAWAL';
  amount: number;
  balanceAfter: number;
  transferId: string | null;
  occurredAt: string;
}

export interface MonthlySummaryRecord {
  depositsTotal: number;
  depositsCount: number;
  withdrawalsTotal: number;
  withdrawalsCount: number;
}

/** Each read returns the account row with its data, or undefined when there is no such account. */
export interface AccountRead {
  account: AccountRecord;
}

export interface TransactionsPage extends AccountRead {
  /** Newest first; one more than asked for when another page follows. */
  transactions: TransactionRecord[];
}

export interface BalanceAt extends AccountRead {
  /** The instant asked about, normalised to UTC. */
  at: string;
  /** The last movement at or before `at`, if any. */
  last?: { version: number; balanceAfter: number };
  /** Whether `at` is earlier than the account's opening. */
  beforeOpening: boolean;
}

export interface MonthlySummaryRead extends AccountRead {
  /** Absent when the account had no movement that month. */
  summary?: MonthlySummaryRecord;
}

interface AccountRow {
  account_id: string;
  owner_id: string;
  owner_name: string | null;
  currency: string;
  status: 'OPEN' | 'CLOSED';
  balance: string;
  version: string;
  opened_at: string;
  updated_at: string;
}

const ACCOUNT_COLUMNS = `b.account_id, b.owner_id, b.owner_name, b.currency, b.status, b.balance, b.version,
  ${utcIso('b.opened_at')} AS opened_at, ${utcIso('b.updated_at')} AS updated_at`;

/**
 * Reads of account_balance and the tables that hang off it. Each method is
 * ONE statement, so the account row (its version, its owner) and the data
 * beside it come from the same snapshot even while the projector writes.
 */
@Injectable()
export class AccountReadModelsRepository {
  constructor(@Inject(READ_MODEL_POOL) private readonly pool: pg.Pool) {}

  async account(accountId: string): Promise<AccountRead | undefined> {
    // Prepared once per connection: GET /balance is the hottest read.
    const { rows } = await this.pool.query<AccountRow>({
      name: 'qs_account',
      text: `SELECT ${ACCOUNT_COLUMNS} FROM account_balance b WHERE b.account_id = $1`,
      values: [accountId],
    });
    return rows[0] && { account: toAccount(rows[0]) };
  }

  /** The rows of `accountIds` that exist, by id (lower case): the balance cache's background read. */
  async accounts(accountIds: readonly string[]): Promise<Map<string, AccountRead>> {
    const { rows } = await this.pool.query<AccountRow>({
      name: 'qs_accounts',
      text: `SELECT ${ACCOUNT_COLUMNS} FROM account_balance b WHERE b.account_id = ANY($1::uuid[])`,
      values: [accountIds],
    });
    return new Map(rows.map((row) => [row.account_id, { account: toAccount(row) }]));
  }

  /** Newest first, below `beforeVersion` when given; fetches `limit` entries. */
  async transactions(
    accountId: string,
    page: { beforeVersion?: number; limit: number },
  ): Promise<TransactionsPage | undefined> {
    const { rows } = await this.pool.query<
      AccountRow & {
        t_version: string | null;
        event_id: string;
        kind: 'DEPOSIT' | 'WITHDRAWAL';
        amount: string;
        balance_after: string;
        transfer_id: string | null;
        occurred_at: string;
      }
    >(
      `SELECT ${ACCOUNT_COLUMNS}, t.version AS t_version, t.event_id, t.kind, t.amount, t.balance_after,
              t.transfer_id, t.occurred_at
         FROM account_balance b
         LEFT JOIN LATERAL (
           SELECT version, event_id, kind, amount, balance_after, transfer_id,
                  ${utcIso('occurred_at')} AS occurred_at
             FROM account_transactions
            WHERE account_id = b.account_id AND ($2::bigint IS NULL OR version < $2::bigint)
            ORDER BY version DESC
            LIMIT $3
         ) t ON true
        WHERE b.account_id = $1
        ORDER BY t.version DESC`,
      [accountId, page.beforeVersion ?? null, page.limit],
    );
    if (rows.length === 0) return undefined;
    return {
      account: toAccount(rows[0]),
      transactions: rows
        .filter((r) => r.t_version !== null)
        .map((r) => ({
          version: toSafeInteger(r.t_version!, 'account_transactions.version'),
          eventId: r.event_id,
          kind: r.kind,
          amount: toSafeInteger(r.amount, 'account_transactions.amount'),
          balanceAfter: toSafeInteger(r.balance_after, 'account_transactions.balance_after'),
          transferId: r.transfer_id,
          occurredAt: r.occurred_at,
        })),
    };
  }

  /**
   * The last movement at or before `at` (an ISO-8601 instant, kept at full
   * precision by Postgres): one backward probe of account_transactions_time_idx.
   */
  async balanceAt(accountId: string, at: string): Promise<BalanceAt | undefined> {
    const { rows } = await this.pool.query<
      AccountRow & {
        at: string;
        before_opening: boolean;
        last_version: string | null;
        last_balance: string | null;
      }
    >(
      `SELECT ${ACCOUNT_COLUMNS}, ${utcIso('$2::timestamptz')} AS at, $2::timestamptz < b.opened_at AS before_opening,
              t.version AS last_version, t.balance_after AS last_balance
         FROM account_balance b
         LEFT JOIN LATERAL (
           SELECT version, balance_after
             FROM account_transactions
            WHERE account_id = b.account_id AND occurred_at <= $2::timestamptz
            ORDER BY occurred_at DESC, version DESC
            LIMIT 1
         ) t ON true
        WHERE b.account_id = $1`,
      [accountId, at],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      account: toAccount(row),
      at: row.at,
      beforeOpening: row.before_opening,
      last:
        row.last_version === null || row.last_balance === null
          ? undefined
          : {
              version: toSafeInteger(row.last_version, 'account_transactions.version'),
              balanceAfter: toSafeInteger(row.last_balance, 'account_transactions.balance_after'),
            },
    };
  }

  /** `month` as YYYY-MM; the summary row is keyed by the month's first day. */
  async monthlySummary(accountId: string, month: string): Promise<MonthlySummaryRead | undefined> {
    const { rows } = await this.pool.query<
      AccountRow & {
        deposits_total: string | null;
        deposits_count: number | null;
        withdrawals_total: string | null;
        withdrawals_count: number | null;
      }
    >(
      `SELECT ${ACCOUNT_COLUMNS}, s.deposits_total, s.deposits_count, s.withdrawals_total, s.withdrawals_count
         FROM account_balance b
         LEFT JOIN account_monthly_summary s ON s.account_id = b.account_id AND s.month = $2::date
        WHERE b.account_id = $1`,
      [accountId, `${month}-01`],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      account: toAccount(row),
      summary:
        row.deposits_total === null || row.withdrawals_total === null
          ? undefined
          : {
              depositsTotal: toSafeInteger(row.deposits_total, 'deposits_total'),
              depositsCount: row.deposits_count ?? 0,
              withdrawalsTotal: toSafeInteger(row.withdrawals_total, 'withdrawals_total'),
              withdrawalsCount: row.withdrawals_count ?? 0,
            },
    };
  }
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    accountId: row.account_id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    currency: row.currency,
    status: row.status,
    balance: toSafeInteger(row.balance, 'account_balance.balance'),
    version: toSafeInteger(row.version, 'account_balance.version'),
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
  };
}
