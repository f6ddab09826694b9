import type pg from 'pg';
import type { AccountProjection, AppliedAccountEvent, ProjectionWrites } from '../account-projection.js';

interface Entry {
  accountId: string;
  version: number;
  eventId: string;
  kind: 'DEPOSIT' | 'WITHDRAWAL';
  amount: number;
  balanceAfter: number;
  transferId: string | null;
  occurredAt: Date;
}

/**
 * `account_transactions`: every money movement with the balance after it —
 * the account's history, and the index time travel searches. Opening with an
 * initial deposit is the account's first deposit.
 */
export class HistoryProjection implements AccountProjection {
  readonly name = 'history';

  begin(): ProjectionWrites {
    const entries: Entry[] = [];
    return {
      add({ accountId, version, eventId, event, recordedAt }: AppliedAccountEvent) {
        const base = { accountId, version, eventId, occurredAt: recordedAt };
        switch (event.type) {
          case 'AccountOpened':
            if (event.data.initialDeposit > 0) {
              entries.push({
                ...base,
                kind: 'DEPOSIT',
                amount: event.data.initialDeposit,
                balanceAfter: event.data.initialDeposit,
                transferId: null,
              });
            }
            break;
          case 'MoneyDeposited':
          case 'MoneyWithdrawn':
            entries.push({
              ...base,
              kind: event.type === 'MoneyDeposited' ? 'DEPOSIT' : 'WITHDRAWAL',
              amount: event.data.amount,
              balanceAfter: event.data.balanceAfter,
              transferId: event.data.transferId ?? null,
            });
            break;
          case 'AccountClosed':
            break;
        }
      },

      async write(client: pg.PoolClient) {
        if (entries.length === 0) return;
        await client.query({
          name: 'rm_history_insert',
          text: `INSERT INTO account_transactions
                   (account_id, version, event_id, kind, amount, balance_after, transfer_id, occurred_at)
                 SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::bigint[],
                                      $6::bigint[], $7::uuid[], $8::timestamptz[])`,
          values: [
            entries.map((e) => e.accountId),
            entries.map((e) => e.version),
            entries.map((e) => e.eventId),
            entries.map((e) => e.kind),
            entries.map((e) => e.amount),
            entries.map((e) => e.balanceAfter),
            entries.map((e) => e.transferId),
            entries.map((e) => e.occurredAt),
          ],
        });
      },
    };
  }
}
