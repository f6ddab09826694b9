import type { AccountProjection, AppliedAccountEvent, ProjectionWrites } from '../account-projection.js';
import { ident, LIVE_TABLES, statementName } from '../read-model-tables.js';

interface Totals {
  accountId: string;
  month: string;
  depositsTotal: bigint;
  depositsCount: number;
  withdrawalsTotal: bigint;
  withdrawalsCount: number;
}

/** The first day of a UTC month (year × 12 + month), as a date literal: months are calendar months in UTC. */
function monthName(month: number): string {
  let name = monthNames.get(month);
  if (name === undefined) {
    name = `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-01`;
    monthNames.set(month, name);
  }
  return name;
}
const monthNames = new Map<number, string>();

/**
 * `account_monthly_summary`: deposits and withdrawals per account and UTC
 * month, added up per batch. `table` is the live table or a rebuild's shadow
 * copy of it.
 */
export class MonthlySummaryProjection implements AccountProjection {
  readonly name = 'monthly-summary';
  private readonly upsert;

  constructor(readonly table: string = LIVE_TABLES.monthlySummary) {
    this.upsert = {
      name: statementName('rm_monthly_upsert', table),
      text: `INSERT INTO ${ident(table)} AS s
               (account_id, month, deposits_total, deposits_count, withdrawals_total, withdrawals_count)
             SELECT * FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::int[], $5::bigint[], $6::int[])
             ON CONFLICT (account_id, month) DO UPDATE
               SET deposits_total = s.deposits_total + excluded.deposits_total,
                   deposits_count = s.deposits_count + excluded.deposits_count,
                   withdrawals_total = s.withdrawals_total + excluded.withdrawals_total,
                   withdrawals_count = s.withdrawals_count + excluded.withdrawals_count`,
    };
  }

  begin(): ProjectionWrites {
    const { upsert } = this;
    const totals = new Map<string, Totals>();
    // An account's events come in a row, mostly within one month: the last totals usually match.
    let last: Totals | undefined;
    let lastMonth = -1;
    const totalsOf = (accountId: string, at: Date) => {
      const monthNumber = at.getUTCFullYear() * 12 + at.getUTCMonth();
      if (last && last.accountId === accountId && lastMonth === monthNumber) return last;
      const month = monthName(monthNumber);
      const key = `${accountId}|${month}`;
      let t = totals.get(key);
      if (!t) {
        t = {
          accountId,
          month,
          depositsTotal: 0n,
          depositsCount: 0,
          withdrawalsTotal: 0n,
          withdrawalsCount: 0,
        };
        totals.set(key, t);
      }
      last = t;
      lastMonth = monthNumber;
      return t;
    };
    return {
      add({ accountId, event, recordedAt }: AppliedAccountEvent) {
        switch (event.type) {
          case 'AccountOpened':
            if (event.data.initialDeposit > 0) {
              const t = totalsOf(accountId, recordedAt);
              t.depositsTotal += BigInt(event.data.initialDeposit);
              t.depositsCount += 1;
            }
            break;
          case 'MoneyDeposited': {
            const t = totalsOf(accountId, recordedAt);
            t.depositsTotal += BigInt(event.data.amount);
            t.depositsCount += 1;
            break;
          }
          case 'MoneyWithdrawn': {
            const t = totalsOf(accountId, recordedAt);
            t.withdrawalsTotal += BigInt(event.data.amount);
            t.withdrawalsCount += 1;
            break;
          }
          case 'AccountClosed':
            break;
        }
      },

      statements() {
        if (totals.size === 0) return [];
        const rows = [...totals.values()];
        const statement = {
          ...upsert,
          values: [
            rows.map((r) => r.accountId),
            rows.map((r) => r.month),
            rows.map((r) => r.depositsTotal.toString()),
            rows.map((r) => r.depositsCount),
            rows.map((r) => r.withdrawalsTotal.toString()),
            rows.map((r) => r.withdrawalsCount),
          ],
        };
        return [statement];
      },
    };
  }
}
