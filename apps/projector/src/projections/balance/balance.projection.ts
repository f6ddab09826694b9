import type { AccountProjection, AppliedAccountEvent, ProjectionWrites } from '../account-projection.js';
import { ident, LIVE_TABLES, statementName } from '../read-model-tables.js';
import type { WriteStatement } from '../write-batch.js';

interface Opened {
  accountId: string;
  ownerId: string;
  ownerName: string;
  currency: string;
  openedAt: Date;
}

/**
 * An account's row as a batch leaves it — the part a batch can change. The
 * projector announces these with its commit (projection-notice.ts), so a
 * reader holding the row can bring it up to date without reading it again.
 */
export interface BalanceRowChange {
  accountId: string;
  version: number;
  balance: bigint;
  /** Set when the batch opened or closed the account; otherwise the row keeps its status. */
  status?: 'OPEN' | 'CLOSED';
  updatedAt: Date;
}

/** The balance read model's writes for one batch, and the rows they leave. */
export interface BalanceWrites extends ProjectionWrites {
  changes(): BalanceRowChange[];
}

interface Row {
  opened?: Opened;
  balance: bigint;
  version: number;
  status?: 'OPEN' | 'CLOSED';
  depositsDelta: bigint;
  updatedAt: Date;
}

/**
 * `account_balance`: one row per account — balance, status, version and the
 * lifetime deposits the VIP report ranks by. Accounts opened in the batch are
 * inserted; the others are updated in one statement, deposits added up.
 * `table` is the live table or a rebuild's shadow copy of it.
 */
export class BalanceProjection implements AccountProjection {
  readonly name = 'balance';
  private readonly sql;

  constructor(readonly table: string = LIVE_TABLES.balance) {
    const t = ident(table);
    this.sql = {
      insert: {
        name: statementName('rm_balance_insert', table),
        text: `INSERT INTO ${t}
                 (account_id, owner_id, owner_name, currency, status, balance, version,
                  lifetime_deposits, opened_at, updated_at)
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                    $6::bigint[], $7::bigint[], $8::bigint[], $9::timestamptz[], $10::timestamptz[])`,
      },
      update: {
        name: statementName('rm_balance_update', table),
        // `= ANY($1)` as well as the join: the plan is generic (a prepared statement that does not
        // know how many rows unnest gives), and on a small table it would join by reading every
        // row; this way it reads the batch's accounts through the primary key, whatever the size.
        text: `UPDATE ${t} AS b
                  SET balance = u.balance,
                      version = u.version,
                      status = coalesce(u.status, b.status),
                      lifetime_deposits = b.lifetime_deposits + u.deposits,
                      updated_at = u.updated_at
                 FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[])
                      AS u(account_id, balance, version, status, deposits, updated_at)
                WHERE b.account_id = ANY($1::uuid[]) AND b.account_id = u.account_id`,
      },
    };
  }

  begin(): BalanceWrites {
    const { sql } = this;
    const rows = new Map<string, Row>();
    return {
      add({ accountId, version, event, recordedAt }: AppliedAccountEvent) {
        let row = rows.get(accountId);
        if (!row) {
          row = { balance: 0n, version, depositsDelta: 0n, updatedAt: recordedAt };
          rows.set(accountId, row);
        }
        row.version = version;
        row.updatedAt = recordedAt;
        switch (event.type) {
          case 'AccountOpened':
            row.opened = { ...event.data, openedAt: recordedAt };
            row.balance = BigInt(event.data.initialDeposit);
            row.depositsDelta += BigInt(event.data.initialDeposit);
            row.status = 'OPEN';
            break;
          case 'MoneyDeposited':
            row.balance = BigInt(event.data.balanceAfter);
            row.depositsDelta += BigInt(event.data.amount);
            break;
          case 'MoneyWithdrawn':
            row.balance = BigInt(event.data.balanceAfter);
            break;
          case 'AccountClosed':
            row.balance = 0n;
            row.status = 'CLOSED';
            break;
        }
      },

      statements() {
        const opened = [...rows.values()].filter((r) => r.opened);
        const updated = [...rows.entries()].filter(([, r]) => !r.opened);
        const statements: WriteStatement[] = [];
        if (opened.length > 0) {
          statements.push({
            ...sql.insert,
            values: [
              opened.map((r) => r.opened!.accountId),
              opened.map((r) => r.opened!.ownerId),
              opened.map((r) => r.opened!.ownerName),
              opened.map((r) => r.opened!.currency),
              opened.map((r) => r.status),
              opened.map((r) => r.balance.toString()),
              opened.map((r) => r.version),
              opened.map((r) => r.depositsDelta.toString()),
              opened.map((r) => r.opened!.openedAt.toISOString()),
              opened.map((r) => r.updatedAt.toISOString()),
            ],
          });
        }
        if (updated.length > 0) {
          statements.push({
            ...sql.update,
            values: [
              updated.map(([id]) => id),
              updated.map(([, r]) => r.balance.toString()),
              updated.map(([, r]) => r.version),
              updated.map(([, r]) => r.status ?? null),
              updated.map(([, r]) => r.depositsDelta.toString()),
              updated.map(([, r]) => r.updatedAt.toISOString()),
            ],
          });
        }
        return statements;
      },

      changes() {
        return [...rows].map(([accountId, r]) => ({
          accountId,
          version: r.version,
          balance: r.balance,
          ...(r.status ? { status: r.status } : {}),
          updatedAt: r.updatedAt,
        }));
      },
    };
  }
}
