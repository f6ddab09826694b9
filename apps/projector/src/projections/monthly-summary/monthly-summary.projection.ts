import type pg from 'pg';
import type { AccountProjection, AppliedAccountEvent, ProjectionWrites } from '../account-projection.js';

interface Totals {
  accountId: string;
  month: string;
  depositsTotal: bigint;
  depositsCount: number;
  withdrawalsTotal: bigint;
  withdrawalsCount: number;
}

/** The first day of the event's month, in UTC: months are calendar months in UTC. */
function monthOf(at: Date): string {
  return `${at.toISOString().slice(0, 7)}-01`;
}

/** `account_monthly_summary`: deposits and withdrawals per account and UTC month, added up per batch. */
export class MonthlySummaryProjection implements AccountProjection {
  readonly name = 'monthly-summary';

  begin(): ProjectionWrites {
    const totals = new Map<string, Totals>();
    const totalsOf = (accountId: string, at: Date) => {
      const month = monthOf(at);
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

      async write(client: pg.PoolClient) {
        if (totals.size === 0) return;
        const rows = [...totals.values()];
        await client.query({
          name: 'rm_monthly_upsert',
          text: `INSERT INTO account_monthly_summary AS s
                   (account_id, month, deposits_total, deposits_count, withdrawals_total, withdrawals_count)
                 SELECT * FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::int[], $5::bigint[], $6::int[])
                 ON CONFLICT (account_id, month) DO UPDATE
                   SET deposits_total = s.deposits_total + excluded.deposits_total,
                       deposits_count = s.deposits_count + excluded.deposits_count,
                       withdrawals_total = s.withdrawals_total + excluded.withdrawals_total,
                       withdrawals_count = s.withdrawals_count + excluded.withdrawals_count`,
          values: [
            rows.map((r) => r.accountId),
            rows.map((r) => r.month),
            rows.map((r) => r.depositsTotal.toString()),
            rows.map((r) => r.depositsCount),
            rows.map((r) => r.withdrawalsTotal.toString()),
            rows.map((r) => r.withdrawalsCount),
          ],
        });
      },
    };
  }
}
